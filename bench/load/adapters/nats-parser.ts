/**
 * An incremental parser of the NATS server-to-client protocol (INFO, MSG, PING, PONG, +OK, -ERR), fed with the
 * bytes of WebSocket messages in any split: nats-server may pack several MSGs in one message or split one.
 */

/** What the parser reports. `onMsg` gets the buffer holding the payload and its offset; it must not keep it. */
export interface NatsParserEvents {
  onMsg(data: Buffer, payloadOffset: number, payloadLength: number): void;
  onPing(): void;
  onPong(): void;
  onInfo(): void;
  onError(line: string): void;
}

const CR = 0x0d;
const SPACE = 0x20;

export class NatsParser {
  private pending: Buffer | null = null;
  /** Bytes of MSG payload still expected (-1 when reading a control line). */
  private payloadLength = -1;

  constructor(private readonly events: NatsParserEvents) {}

  push(chunk: Buffer): void {
    let buf = chunk;
    if (this.pending !== null) {
      buf = Buffer.concat([this.pending, chunk]);
      this.pending = null;
    }
    let pos = 0;
    const end = buf.length;
    while (pos < end) {
      if (this.payloadLength >= 0) {
        if (end - pos < this.payloadLength + 2) break;
        this.events.onMsg(buf, pos, this.payloadLength);
        pos += this.payloadLength + 2;
        this.payloadLength = -1;
        continue;
      }
      const eol = buf.indexOf(CR, pos);
      if (eol < 0 || eol + 1 >= end) break;
      const c0 = buf[pos]! | 0x20; // lower case
      const c1 = buf[pos + 1]! | 0x20;
      if (c0 === 0x6d /* m */) {
        // MSG <subject> <sid> [reply-to] <#bytes>: the size is the last token.
        let n = 0;
        let i = buf.lastIndexOf(SPACE, eol) + 1;
        for (; i < eol; i++) n = n * 10 + (buf[i]! - 0x30);
        this.payloadLength = n;
      } else if (c0 === 0x70 /* p */ && c1 === 0x69 /* i */) this.events.onPing();
      else if (c0 === 0x70 /* p */ && c1 === 0x6f /* o */) this.events.onPong();
      else if (c0 === 0x69 /* i */) this.events.onInfo();
      else if (c0 === 0x2d /* - */) this.events.onError(buf.toString('latin1', pos, eol));
      pos = eol + 2;
    }
    if (pos < end) this.pending = Buffer.from(buf.subarray(pos));
  }
}
