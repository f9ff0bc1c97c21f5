// Peer: `ws` with a pre-built frame per broadcast and batched writes: each recipient socket is corked when its
// first frame of this event-loop turn is queued, and all corked sockets are uncorked once per turn
// (setImmediate), so a socket costs one writev per turn instead of one write per frame.
import { Sender, WebSocketServer } from 'ws';
import { announceReady, meetingFromPath, peerPort } from './peer-common.mjs';

const rooms = new Map();
let corked = [];
let flushScheduled = false;

function flush() {
  flushScheduled = false;
  const sockets = corked;
  corked = [];
  for (let i = 0; i < sockets.length; i++) {
    const s = sockets[i];
    s.benchCorked = false;
    s.uncork();
  }
}

function frameOnce(data, isBinary) {
  const parts = Sender.frame(data, { fin: true, rsv1: false, opcode: isBinary ? 2 : 1, mask: false, readOnly: false });
  return parts.length === 1 ? parts[0] : Buffer.concat(parts);
}

const wss = new WebSocketServer({ host: '127.0.0.1', port: peerPort(), perMessageDeflate: false, maxPayload: 1 << 20, clientTracking: false });
wss.on('connection', (ws, req) => {
  const id = meetingFromPath(req.url);
  let room = rooms.get(id);
  if (!room) rooms.set(id, (room = new Set()));
  room.add(ws);
  ws._socket.benchCorked = false;
  ws.on('message', (data, isBinary) => {
    const frame = frameOnce(data, isBinary);
    for (const peer of room) {
      if (peer === ws || peer.readyState !== 1) continue;
      const s = peer._socket;
      if (!s.benchCorked) {
        s.benchCorked = true;
        s.cork();
        corked.push(s);
      }
      s.write(frame);
    }
    if (!flushScheduled) {
      flushScheduled = true;
      setImmediate(flush);
    }
  });
  ws.on('close', () => {
    room.delete(ws);
    if (room.size === 0) rooms.delete(id);
  });
  ws.on('error', () => {});
});
wss.on('listening', () => announceReady(wss.address().port));
