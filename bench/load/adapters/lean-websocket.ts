/**
 * The load generator's WebSocket client: RFC 6455 over a plain TCP socket, lean on the receive path so that one
 * load core can drive more deliveries than the servers it measures (`ws` spends several allocations and two event
 * emissions per message). Frames of a TCP chunk are parsed in one loop; a message is handed over as a view into
 * the chunk (no copy unless it spans chunks or fragments).
 *
 * It speaks what the bench needs: binary and text messages, fragmented messages, ping (answered), pong, close
 * (answered, code and reason reported). Outgoing frames are masked with an all-zero key: a legal key that makes
 * masking the identity, so a frame costs one buffer and one write. Extensions (compression) are never offered.
 */
import { createHash, randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { connect as tcpConnect, type Socket } from 'node:net';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
const OP_CONTINUATION = 0x0;
const OP_TEXT = 0x1;
const OP_BINARY = 0x2;
const OP_CLOSE = 0x8;
const OP_PING = 0x9;
const OP_PONG = 0xa;
/** Longest handshake response accepted. */
const MAX_HEADER_BYTES = 16 * 1024;

export interface LeanWebSocketOptions {
  localAddress?: string;
  /** Largest message accepted; a larger one fails the connection (1009). */
  maxPayload: number;
  /** The opening handshake must complete within this. */
  handshakeTimeout: number;
}

export type MessageListener = (data: Buffer, isBinary: boolean) => void;

export class LeanWebSocket extends EventEmitter {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSING = 2;
  static readonly CLOSED = 3;
  readonly OPEN = 1;
  readyState = LeanWebSocket.CONNECTING;
  /** The subprotocol the server chose ('' when none). */
  protocol = '';

  private readonly socket: Socket;
  private readonly key = randomBytes(16).toString('base64');
  private readonly handshakeTimer: NodeJS.Timeout;
  /** Bytes received but not parsed yet (a partial frame, or the handshake response so far). */
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** Bytes needed before parsing is worth retrying. */
  private needBytes = 0;
  /** Fragments of a message in progress, and its opcode. */
  private fragments: Buffer[] = [];
  private fragmentsBytes = 0;
  private fragmentOpcode = 0;
  private onMessage: MessageListener | null = null;
  private closeCode = 1006;
  private closeReason: Buffer = Buffer.alloc(0);
  private closeSent = false;

  constructor(url: string, protocols: string[] | undefined, private readonly options: LeanWebSocketOptions) {
    super();
    const u = new URL(url);
    if (u.protocol !== 'ws:') throw new Error(`LeanWebSocket speaks ws:// only, not ${u.protocol}`);
    const port = Number(u.port || 80);
    this.socket = tcpConnect({ host: u.hostname, port, ...(options.localAddress ? { localAddress: options.localAddress } : {}) });
    this.socket.setNoDelay(true);
    this.handshakeTimer = setTimeout(() => this.fail(new Error('Opening handshake has timed out')), options.handshakeTimeout);
    const request =
      `GET ${u.pathname}${u.search} HTTP/1.1\r\nHost: ${u.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Key: ${this.key}\r\nSec-WebSocket-Version: 13\r\n` +
      (protocols && protocols.length > 0 ? `Sec-WebSocket-Protocol: ${protocols.join(', ')}\r\n` : '') +
      '\r\n';
    this.socket.write(request);
    this.socket.on('data', (chunk: Buffer) => this.onData(chunk));
    this.socket.on('error', (err) => this.fail(err));
    this.socket.on('close', () => this.onSocketClose());
  }

  /** 'message' has one listener, called directly (no emit per message); other events go through EventEmitter. */
  override on(event: string | symbol, listener: (...args: any[]) => void): this {
    if (event === 'message') {
      if (this.onMessage !== null) throw new Error('LeanWebSocket takes one message listener');
      this.onMessage = listener as MessageListener;
      return this;
    }
    return super.on(event, listener);
  }

  /** Sends one message (binary unless `{ binary: false }`). Dropped when the connection is not open. */
  send(data: Uint8Array | string, opts?: { binary?: boolean }): void {
    if (this.readyState !== LeanWebSocket.OPEN) return;
    const payload = typeof data === 'string' ? Buffer.from(data) : data;
    const binary = typeof data === 'string' ? opts?.binary === true : opts?.binary !== false;
    this.socket.write(frame(binary ? OP_BINARY : OP_TEXT, payload));
  }

  /** Starts the closing handshake. */
  close(code = 1000, reason = ''): void {
    if (this.readyState === LeanWebSocket.CLOSED) return;
    if (this.readyState === LeanWebSocket.CONNECTING) return this.terminate();
    this.readyState = LeanWebSocket.CLOSING;
    this.sendClose(code, Buffer.from(reason));
  }

  /** Ends the connection at once. */
  terminate(): void {
    if (this.readyState === LeanWebSocket.CLOSED) return;
    this.readyState = LeanWebSocket.CLOSING;
    this.socket.destroy();
  }

  private sendClose(code: number, reason: Buffer): void {
    if (this.closeSent) return;
    this.closeSent = true;
    const body = Buffer.allocUnsafe(2 + reason.length);
    body.writeUInt16BE(code, 0);
    reason.copy(body, 2);
    this.socket.end(frame(OP_CLOSE, body));
  }

  private fail(err: Error): void {
    if (this.readyState === LeanWebSocket.CLOSED) return;
    clearTimeout(this.handshakeTimer);
    this.emit('error', err);
    this.terminate();
  }

  private onSocketClose(): void {
    clearTimeout(this.handshakeTimer);
    if (this.readyState === LeanWebSocket.CLOSED) return;
    this.readyState = LeanWebSocket.CLOSED;
    this.emit('close', this.closeCode, this.closeReason);
  }

  private onData(chunk: Buffer): void {
    if (this.readyState === LeanWebSocket.CONNECTING) {
      const buf = this.takePending(chunk);
      this.keepRest(buf, this.handshake(buf));
      return;
    }
    // Complete a frame left over from earlier chunks with just the bytes it lacks (never copy the whole chunk),
    // then parse the rest of the chunk in place.
    let offset = 0;
    while (this.pendingBytes > 0) {
      const want = this.needBytes - this.pendingBytes;
      if (chunk.length - offset < want) {
        this.pending.push(offset === 0 ? chunk : chunk.subarray(offset));
        this.pendingBytes += chunk.length - offset;
        return;
      }
      this.pending.push(chunk.subarray(offset, offset + want));
      offset += want;
      const head = Buffer.concat(this.pending, this.needBytes);
      this.pending = [];
      this.pendingBytes = 0;
      this.keepRest(head, this.parseFrames(head));
      if (this.readyState === LeanWebSocket.CLOSED) return;
    }
    const body = offset === 0 ? chunk : chunk.subarray(offset);
    this.keepRest(body, this.parseFrames(body));
  }

  /** The pending bytes and `chunk` as one buffer (the handshake only). */
  private takePending(chunk: Buffer): Buffer {
    if (this.pendingBytes === 0) return chunk;
    this.pending.push(chunk);
    const all = Buffer.concat(this.pending, this.pendingBytes + chunk.length);
    this.pending = [];
    this.pendingBytes = 0;
    return all;
  }

  /** Keeps the unparsed tail of `buf` for the next chunk. */
  private keepRest(buf: Buffer, used: number): void {
    if (used >= buf.length || this.readyState === LeanWebSocket.CLOSED) return;
    const rest = buf.subarray(used);
    this.pending.push(rest);
    this.pendingBytes = rest.length;
  }

  /** Reads the handshake response; returns the bytes used (then parses any frames after it). */
  private handshake(buf: Buffer): number {
    const end = buf.indexOf('\r\n\r\n');
    if (end < 0) {
      if (buf.length > MAX_HEADER_BYTES) this.fail(new Error('handshake response too long'));
      return 0;
    }
    const lines = buf.toString('latin1', 0, end).split('\r\n');
    const status = /^HTTP\/1\.1 (\d{3})/.exec(lines[0] ?? '');
    if (!status || status[1] !== '101') {
      this.fail(new Error(`Unexpected server response: ${status ? status[1] : (lines[0] ?? '').slice(0, 40)}`));
      return buf.length;
    }
    const headers = new Map<string, string>();
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(':');
      if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
    }
    const accept = createHash('sha1').update(this.key + GUID).digest('base64');
    if (headers.get('sec-websocket-accept') !== accept) {
      this.fail(new Error('Invalid Sec-WebSocket-Accept header'));
      return buf.length;
    }
    this.protocol = headers.get('sec-websocket-protocol') ?? '';
    clearTimeout(this.handshakeTimer);
    this.readyState = LeanWebSocket.OPEN;
    this.emit('open');
    const start = end + 4;
    return start + this.parseFrames(buf.subarray(start));
  }

  /** Handles every complete frame of `buf`; returns the bytes used. */
  private parseFrames(buf: Buffer): number {
    const end = buf.length;
    let pos = 0;
    while (this.readyState !== LeanWebSocket.CLOSED) {
      if (end - pos < 2) {
        this.needBytes = 2;
        break;
      }
      const b0 = buf[pos]!;
      const b1 = buf[pos + 1]!;
      let len = b1 & 0x7f;
      let header = 2;
      if (len === 126) {
        if (end - pos < 4) {
          this.needBytes = 4;
          break;
        }
        len = buf.readUInt16BE(pos + 2);
        header = 4;
      } else if (len === 127) {
        if (end - pos < 10) {
          this.needBytes = 10;
          break;
        }
        len = buf.readUInt32BE(pos + 2) * 2 ** 32 + buf.readUInt32BE(pos + 6);
        header = 10;
      }
      if ((b1 & 0x80) !== 0) {
        this.protocolError(1002, 'server frames must not be masked');
        return end;
      }
      if (len > this.options.maxPayload) {
        this.protocolError(1009, 'message too big');
        return end;
      }
      if (end - pos < header + len) {
        this.needBytes = header + len;
        break;
      }
      const start = pos + header;
      pos = start + len;
      this.onFrame(b0, buf, start, pos);
    }
    return pos;
  }

  private onFrame(b0: number, buf: Buffer, start: number, end: number): void {
    const fin = (b0 & 0x80) !== 0;
    const opcode = b0 & 0x0f;
    if (opcode === OP_BINARY || opcode === OP_TEXT) {
      if (this.fragmentOpcode !== 0) return this.protocolError(1002, 'new message inside a fragmented one');
      if (fin) {
        this.onMessage?.(buf.subarray(start, end), opcode === OP_BINARY);
        return;
      }
      this.fragmentOpcode = opcode;
      this.addFragment(buf, start, end);
      return;
    }
    if (opcode === OP_CONTINUATION) {
      if (this.fragmentOpcode === 0) return this.protocolError(1002, 'continuation without a message');
      this.addFragment(buf, start, end);
      if (!fin) return;
      const data = Buffer.concat(this.fragments, this.fragmentsBytes);
      const binary = this.fragmentOpcode === OP_BINARY;
      this.fragments = [];
      this.fragmentsBytes = 0;
      this.fragmentOpcode = 0;
      this.onMessage?.(data, binary);
      return;
    }
    if (opcode === OP_PING) {
      if (this.readyState === LeanWebSocket.OPEN) this.socket.write(frame(OP_PONG, buf.subarray(start, end)));
      return;
    }
    if (opcode === OP_PONG) return;
    if (opcode === OP_CLOSE) {
      this.closeCode = end - start >= 2 ? buf.readUInt16BE(start) : 1005;
      this.closeReason = Buffer.from(buf.subarray(Math.min(end, start + 2), end));
      this.readyState = LeanWebSocket.CLOSING;
      this.sendClose(this.closeCode === 1005 ? 1000 : this.closeCode, Buffer.alloc(0));
      return;
    }
    this.protocolError(1002, `unknown opcode ${opcode}`);
  }

  private addFragment(buf: Buffer, start: number, end: number): void {
    // The chunk may be reused for later frames' views only, never rewritten: a view is enough.
    this.fragments.push(buf.subarray(start, end));
    this.fragmentsBytes += end - start;
    if (this.fragmentsBytes > this.options.maxPayload) this.protocolError(1009, 'message too big');
  }

  private protocolError(code: number, why: string): void {
    this.closeCode = 1006;
    this.emit('error', new Error(why));
    this.readyState = LeanWebSocket.CLOSING;
    this.sendClose(code, Buffer.alloc(0));
    this.socket.destroy();
  }
}

/** A client frame: FIN, opcode, length, an all-zero mask key (masking is then the identity), payload. */
function frame(opcode: number, payload: Uint8Array): Buffer {
  const len = payload.length;
  const header = len < 126 ? 2 : len < 65536 ? 4 : 10;
  const out = Buffer.allocUnsafe(header + 4 + len);
  out[0] = 0x80 | opcode;
  if (header === 2) out[1] = 0x80 | len;
  else if (header === 4) {
    out[1] = 0x80 | 126;
    out.writeUInt16BE(len, 2);
  } else {
    out[1] = 0x80 | 127;
    out.writeUInt32BE(Math.floor(len / 2 ** 32), 2);
    out.writeUInt32BE(len >>> 0, 6);
  }
  out.writeUInt32BE(0, header);
  out.set(payload, header + 4);
  return out;
}
