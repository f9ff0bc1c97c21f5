/**
 * Adapter for the Socket.IO peer, speaking Engine.IO 4 / Socket.IO 5 by hand over the same `ws` client as the
 * other adapters (the socket.io-client library would make the load generator, not the server, the bottleneck).
 *
 * Over the websocket transport: the server opens with `0{...}` (OPEN), the client connects the main namespace with
 * `40`, the server answers `40{"sid":...}`. A binary event is a text header `451-["m",{"_placeholder":true,"num":0}]`
 * followed by the attachment as one binary message. The server pings with `2`, the client answers `3`.
 */
import { writePayloadTemplate } from '../payload.js';
import type { Adapter, BenchClient, ClientHandlers, ClientSpec, OutFrame } from './adapter.types.js';
import { connect, whenJoined } from './ws-client.js';

const EVENT_HEADER = Buffer.from('451-["m",{"_placeholder":true,"num":0}]');
const CONNECT_NAMESPACE = Buffer.from('40');
const PONG = Buffer.from('3');
const CH_OPEN = 0x30; // '0'
const CH_PING = 0x32; // '2'
const CH_MESSAGE = 0x34; // '4'

export function socketioAdapter(host: string, port: number): Adapter {
  return {
    async open(spec: ClientSpec, handlers: ClientHandlers): Promise<BenchClient> {
      const url = `ws://${host}:${port}/socket.io/?EIO=4&transport=websocket&m=${encodeURIComponent(spec.meetingId)}`;
      const ws = connect(url, spec.localAddress);
      const onPayload = handlers.onPayload;
      let joined: (() => void) | undefined;
      let fail: ((why: string) => void) | undefined;
      ws.on('message', (data: Buffer, isBinary: boolean) => {
        if (isBinary) {
          onPayload(data, 0);
          return;
        }
        const c0 = data[0];
        if (c0 === CH_PING) ws.send(PONG, { binary: false });
        else if (c0 === CH_OPEN) ws.send(CONNECT_NAMESPACE, { binary: false });
        else if (c0 === CH_MESSAGE && data[1] === 0x30 /* '0' CONNECT ack */) joined?.();
        else if (c0 === CH_MESSAGE && data[1] === 0x34 /* '4' CONNECT_ERROR */) fail?.('socket.io refused the namespace');
      });
      const conn = await whenJoined(ws, handlers.onClose, (j, f) => {
        joined = j;
        fail = f;
      });
      return {
        makeFrame(payloadBytes: number, sender: number): OutFrame {
          const bytes = Buffer.alloc(payloadBytes);
          writePayloadTemplate(bytes, 0, payloadBytes, sender);
          return { bytes, payloadOffset: 0 };
        },
        send(frame: OutFrame) {
          ws.send(EVENT_HEADER, { binary: false });
          ws.send(frame.bytes, { binary: true });
        },
        close: conn.close,
      };
    },
    close() {},
  };
}
