/**
 * Adapter for nats-server's WebSocket listener, speaking the NATS client protocol by hand: a subject per meeting
 * (`m.<meetingId>`), CONNECT with echo off so that a publisher does not get its own frames (as in every other
 * server here), SUB, then PING; the PONG tells the SUB is in place. A frame is `PUB <subject> <n>\r\n<payload>\r\n`.
 */
import { writePayloadTemplate } from '../payload.js';
import type { Adapter, BenchClient, ClientHandlers, ClientSpec, OutFrame } from './adapter.types.js';
import { NatsParser } from './nats-parser.js';
import { connect, whenJoined } from './ws-client.js';

const CONNECT = JSON.stringify({ verbose: false, pedantic: false, echo: false, protocol: 1, headers: false, lang: 'bench', version: '0' });
const PONG = Buffer.from('PONG\r\n');

/** The subject of a meeting (meeting ids are [A-Za-z0-9-_] in the bench). */
export function meetingSubject(meetingId: string): string {
  return `m.${meetingId}`;
}

export function natsAdapter(host: string, port: number): Adapter {
  return {
    async open(spec: ClientSpec, handlers: ClientHandlers): Promise<BenchClient> {
      const ws = connect(`ws://${host}:${port}`, spec.localAddress);
      const subject = meetingSubject(spec.meetingId);
      const onPayload = handlers.onPayload;
      let joined: (() => void) | undefined;
      let fail: ((why: string) => void) | undefined;
      const parser = new NatsParser({
        onMsg: (data, offset) => onPayload(data, offset),
        onPing: () => ws.send(PONG, { binary: true }),
        onPong: () => joined?.(),
        onInfo: () => ws.send(Buffer.from(`CONNECT ${CONNECT}\r\nSUB ${subject} 1\r\nPING\r\n`), { binary: true }),
        onError: (line) => fail?.(`nats: ${line}`),
      });
      ws.on('message', (data: Buffer) => parser.push(data));
      const conn = await whenJoined(ws, handlers.onClose, (j, f) => {
        joined = j;
        fail = f;
      });
      return {
        makeFrame(payloadBytes: number, sender: number): OutFrame {
          const head = Buffer.from(`PUB ${subject} ${payloadBytes}\r\n`);
          const bytes = Buffer.alloc(head.length + payloadBytes + 2);
          head.copy(bytes, 0);
          writePayloadTemplate(bytes, head.length, payloadBytes, sender);
          bytes.write('\r\n', head.length + payloadBytes, 'latin1');
          return { bytes, payloadOffset: head.length };
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
