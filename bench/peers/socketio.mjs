// Peer: Socket.IO 4 rooms over the websocket transport only, binary payloads. The meeting is chosen with the
// handshake query (?m=<meetingId>); an 'm' event is re-emitted to the room, sender excluded (socket.to(room)).
import { createServer } from 'node:http';
import { Server } from 'socket.io';
import { announceReady, peerPort } from './peer-common.mjs';

const httpServer = createServer();
const io = new Server(httpServer, {
  transports: ['websocket'],
  perMessageDeflate: false,
  httpCompression: false,
  serveClient: false,
  maxHttpBufferSize: 1 << 20,
});
io.on('connection', (socket) => {
  const room = String(socket.handshake.query.m ?? '');
  socket.join(room);
  socket.on('m', (payload) => {
    socket.to(room).emit('m', payload);
  });
});
httpServer.listen(peerPort(), '127.0.0.1', () => announceReady(httpServer.address().port));
