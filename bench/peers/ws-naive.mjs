// Peer: `ws`, the naive broadcast: a loop over the room calling ws.send for every other member.
import { WebSocketServer } from 'ws';
import { announceReady, meetingFromPath, peerPort } from './peer-common.mjs';

const rooms = new Map();
const wss = new WebSocketServer({ host: '127.0.0.1', port: peerPort(), perMessageDeflate: false, maxPayload: 1 << 20, clientTracking: false });
wss.on('connection', (ws, req) => {
  const id = meetingFromPath(req.url);
  let room = rooms.get(id);
  if (!room) rooms.set(id, (room = new Set()));
  room.add(ws);
  ws.on('message', (data, isBinary) => {
    for (const peer of room) if (peer !== ws && peer.readyState === 1) peer.send(data, { binary: isBinary });
  });
  ws.on('close', () => {
    room.delete(ws);
    if (room.size === 0) rooms.delete(id);
  });
  ws.on('error', () => {});
});
wss.on('listening', () => announceReady(wss.address().port));
