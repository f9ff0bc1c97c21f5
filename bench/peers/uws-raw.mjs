// Peer: raw uWebSockets.js pub/sub. A topic per meeting, ws.publish (skips the sender), compression off.
// maxBackpressure is raised to 1 MiB so that a briefly slow reader is not skipped silently at the 64 KiB default.
import uWS from '@trufflesuite/uws-js-unofficial';
import { announceReady, meetingFromPath, peerPort } from './peer-common.mjs';

const app = uWS.App();
app.ws('/*', {
  compression: uWS.DISABLED,
  maxPayloadLength: 1 << 20,
  maxBackpressure: 1 << 20,
  idleTimeout: 0,
  upgrade(res, req, context) {
    res.upgrade(
      { topic: 'm/' + meetingFromPath(req.getUrl()) },
      req.getHeader('sec-websocket-key'),
      req.getHeader('sec-websocket-protocol'),
      req.getHeader('sec-websocket-extensions'),
      context,
    );
  },
  open(ws) {
    ws.subscribe(ws.getUserData().topic);
  },
  message(ws, message, isBinary) {
    ws.publish(ws.getUserData().topic, message, isBinary);
  },
});
app.listen('127.0.0.1', peerPort(), (token) => {
  if (!token) throw new Error('uws-raw: listen failed');
  announceReady(uWS.us_socket_local_port(token));
});
