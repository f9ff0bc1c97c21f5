/** Adapter for the raw peers (uws-raw, ws-*): the meeting is the URL path /m/<id>, a frame is the bare payload. */
import { writePayloadTemplate } from '../payload.js';
import type { Adapter, BenchClient, ClientHandlers, ClientSpec, OutFrame } from './adapter.types.js';
import { connect, whenJoined } from './ws-client.js';

export function rawAdapter(host: string, port: number): Adapter {
  return {
    async open(spec: ClientSpec, handlers: ClientHandlers): Promise<BenchClient> {
      const ws = connect(`ws://${host}:${port}/m/${encodeURIComponent(spec.meetingId)}`, spec.localAddress);
      const onPayload = handlers.onPayload;
      ws.on('message', (data: Buffer, isBinary: boolean) => {
        if (isBinary) onPayload(data, 0);
      });
      const conn = await whenJoined(ws, handlers.onClose, (joined) => ws.once('open', joined));
      return {
        makeFrame(payloadBytes: number, sender: number): OutFrame {
          const bytes = Buffer.alloc(payloadBytes);
          writePayloadTemplate(bytes, 0, payloadBytes, sender);
          return { bytes, payloadOffset: 0 };
        },
        send(frame: OutFrame) {
          ws.send(frame.bytes, { binary: true });
        },
        close: conn.close,
      };
    },
    close() {},
  };
}
