// Peer: `ws` with the frame built once per broadcast (Sender.frame) and written to each socket:
// no per-recipient framing, but still one write (one syscall) per recipient.
import { Sender, WebSocketServer } from 'ws';
import { announceReady, meetingFromPath, peerPort } from './peer-common.mjs';

const rooms = new Map();

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
  ws.on('message', (data, isBinary) => {
    const frame = frameOnce(data, isBinary);
    for (const peer of room) if (peer !== ws && peer.readyState === 1) peer._socket.write(frame);
  });
  ws.on('close', () => {
    room.delete(ws);
    if (room.size === 0) rooms.delete(id);
  });
  ws.on('error', () => {});
});
wss.on('listening', () => announceReady(wss.address().port));
