import { describe, expect, it } from 'vitest';
import { NatsParser } from '../load/adapters/nats-parser.js';

function collect(): { parser: NatsParser; events: string[] } {
  const events: string[] = [];
  const parser = new NatsParser({
    onMsg: (data, offset, length) => events.push(`MSG ${data.toString('latin1', offset, offset + length)}`),
    onPing: () => events.push('PING'),
    onPong: () => events.push('PONG'),
    onInfo: () => events.push('INFO'),
    onError: (line) => events.push(`ERR ${line}`),
  });
  return { parser, events };
}

const STREAM = Buffer.from(
  'INFO {"server_id":"x","max_payload":1048576}\r\n' +
    'MSG m.a 1 5\r\nhello\r\n' +
    'PING\r\n' +
    'MSG m.a 1 reply.to 7\r\nab\r\ncd!\r\n' +
    '+OK\r\n' +
    'MSG m.b 2 0\r\n\r\n' +
    'PONG\r\n' +
    "-ERR 'Slow Consumer'\r\n",
  'latin1',
);
const EXPECTED = ['INFO', 'MSG hello', 'PING', 'MSG ab\r\ncd!', 'MSG ', 'PONG', "ERR -ERR 'Slow Consumer'"];

describe('NatsParser', () => {
  it('parses a whole stream in one chunk, payloads containing CRLF included', () => {
    const { parser, events } = collect();
    parser.push(STREAM);
    expect(events).toEqual(EXPECTED);
  });

  it('gives the same events whatever the chunk boundaries', () => {
    for (let cut = 1; cut < STREAM.length; cut++) {
      const { parser, events } = collect();
      parser.push(STREAM.subarray(0, cut));
      parser.push(STREAM.subarray(cut));
      expect(events, `split at ${cut}`).toEqual(EXPECTED);
    }
  });

  it('copes with byte-by-byte delivery', () => {
    const { parser, events } = collect();
    for (let i = 0; i < STREAM.length; i++) parser.push(STREAM.subarray(i, i + 1));
    expect(events).toEqual(EXPECTED);
  });

  it('hands the payload offset within the buffer it arrived in', () => {
    const payload = Buffer.alloc(16);
    payload.writeDoubleLE(1234.5, 0);
    const msg = Buffer.concat([Buffer.from('MSG m.x 9 16\r\n'), payload, Buffer.from('\r\n')]);
    let seen = 0;
    const parser = new NatsParser({
      onMsg: (data, offset) => {
        seen = data.readDoubleLE(offset);
      },
      onPing: () => {},
      onPong: () => {},
      onInfo: () => {},
      onError: () => {},
    });
    parser.push(msg);
    expect(seen).toBe(1234.5);
  });
});
