/**
 * The relay's one NATS connection (with cluster-id-store.ts, which uses it for JetStream KV, the only modules that
 * import the `nats` client). It connects in the
 * background and keeps reconnecting for ever; readiness is "connected now". Subscriptions are plain callbacks
 * (no per-message promise or iterator), and survive reconnects (the client re-subscribes).
 */
import { readFileSync } from 'node:fs';
import { connect, credsAuthenticator, nkeyAuthenticator, type ConnectionOptions, type NatsConnection, type Subscription } from 'nats';
import type { Logger } from '../log/logger.js';

export interface NatsLinkOptions {
  readonly servers: readonly string[];
  readonly name: string;
  readonly user?: string | undefined;
  readonly password?: string | undefined;
  readonly token?: string | undefined;
  readonly credsFile?: string | undefined;
  readonly nkeySeedFile?: string | undefined;
  readonly tlsCaFile?: string | undefined;
  readonly tlsCertFile?: string | undefined;
  readonly tlsKeyFile?: string | undefined;
}

export type MessageHandler = (subject: string, data: Uint8Array) => void;

/** Builds the client options from the settings (files read once, at start). */
export function natsConnectionOptions(o: NatsLinkOptions): ConnectionOptions {
  const opts: ConnectionOptions = {
    servers: [...o.servers],
    name: o.name,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 250,
    waitOnFirstConnect: true,
    pingInterval: 5_000,
    maxPingOut: 2,
    noEcho: true,
  };
  if (o.user !== undefined) {
    opts.user = o.user;
    opts.pass = o.password;
  }
  if (o.token !== undefined) opts.token = o.token;
  if (o.credsFile !== undefined) opts.authenticator = credsAuthenticator(readFileSync(o.credsFile));
  if (o.nkeySeedFile !== undefined) opts.authenticator = nkeyAuthenticator(new TextEncoder().encode(readFileSync(o.nkeySeedFile, 'utf8').trim()));
  if (o.tlsCaFile !== undefined || o.tlsCertFile !== undefined) {
    opts.tls = {
      ...(o.tlsCaFile !== undefined ? { caFile: o.tlsCaFile } : {}),
      ...(o.tlsCertFile !== undefined ? { certFile: o.tlsCertFile, keyFile: o.tlsKeyFile } : {}),
    };
  }
  return opts;
}

export class NatsLink {
  private nc: NatsConnection | null = null;
  private connected = false;
  private closed = false;
  private readonly subs = new Map<string, Subscription>();
  /** Round trip to the server, milliseconds (-1 until measured). */
  rttMs = -1;
  reconnects = 0;
  private rttTimer: NodeJS.Timeout | null = null;

  constructor(private readonly options: NatsLinkOptions, private readonly log: Logger, private readonly onMessage: MessageHandler) {
    void this.start();
  }

  private readonly connectedHandlers: Array<() => void> = [];
  private readonly reconnectedHandlers: Array<(downMs: number) => void> = [];
  private disconnectedAt = 0;

  private readonly disconnectedHandlers: Array<() => void> = [];

  /** Runs `f` whenever the connection drops. */
  onDisconnected(f: () => void): void {
    this.disconnectedHandlers.push(f);
  }

  /** Runs `f` after every reconnect, with how long the connection was down. */
  onReconnected(f: (downMs: number) => void): void {
    this.reconnectedHandlers.push(f);
  }

  /** Runs `f` once the first connection is up (at once if it is). */
  onConnected(f: () => void): void {
    if (this.connected) f();
    else this.connectedHandlers.push(f);
  }

  get ready(): boolean {
    return this.connected;
  }

  /** The connection while connected (for the cluster id store's JetStream KV requests), else null. */
  get connection(): NatsConnection | null {
    return this.connected && !this.closed ? this.nc : null;
  }

  private async start(): Promise<void> {
    try {
      const nc = await connect(natsConnectionOptions(this.options));
      if (this.closed) {
        await nc.close();
        return;
      }
      this.nc = nc;
      this.connected = true;
      for (const f of this.connectedHandlers) f();
      this.log.info({ event: 'cluster_connected', server: nc.getServer() }, 'cluster: connected to NATS');
      // Subjects asked for before the connection existed.
      for (const subject of [...this.subs.keys()]) this.subscribeNow(subject);
      this.rttTimer = setInterval(() => void this.measure(), 2_000);
      this.rttTimer.unref();
      void this.measure();
      for await (const s of nc.status()) {
        if (s.type === 'disconnect') {
          if (this.connected) this.disconnectedAt = performance.now();
          this.connected = false;
          for (const f of this.disconnectedHandlers) f();
          this.log.warn({ event: 'cluster_disconnected', server: String(s.data) }, 'cluster: NATS connection lost');
        } else if (s.type === 'reconnect') {
          this.connected = true;
          this.reconnects++;
          this.log.info({ event: 'cluster_reconnected', server: String(s.data) }, 'cluster: reconnected to NATS');
          const downMs = performance.now() - this.disconnectedAt;
          for (const f of this.reconnectedHandlers) f(downMs);
        } else if (s.type === 'error') {
          this.log.warn({ event: 'cluster_error', error: String(s.data) }, 'cluster: NATS error');
        }
      }
    } catch (err) {
      if (!this.closed) this.log.error({ event: 'cluster_failed', error: (err as Error).message }, 'cluster: NATS connection failed');
      this.connected = false;
    }
  }

  private async measure(): Promise<void> {
    const nc = this.nc;
    if (nc === null || !this.connected) return;
    try {
      this.rttMs = await nc.rtt();
    } catch {
      // measured again at the next tick
    }
  }

  private subscribeNow(subject: string): void {
    const nc = this.nc!;
    const handler = this.onMessage;
    const sub = nc.subscribe(subject, { callback: (err, msg) => { if (err === null) handler(msg.subject, msg.data); } });
    this.subs.set(subject, sub);
  }

  /** Subscribes once per subject (idempotent). */
  subscribe(subject: string): void {
    if (this.subs.has(subject)) return;
    if (this.nc === null) {
      this.subs.set(subject, null as unknown as Subscription);
      return;
    }
    this.subscribeNow(subject);
  }

  unsubscribe(subject: string): void {
    const sub = this.subs.get(subject);
    if (sub === undefined) return;
    this.subs.delete(subject);
    sub?.unsubscribe();
  }

  /** Subjects this relay is subscribed to now. */
  get subscriptions(): number {
    return this.subs.size;
  }

  /**
   * Publishes, in order, at the end of this event-loop turn: the client writes once per microtask checkpoint, which
   * is once per client frame the relay handles; batching here makes one socket write out of a turn's messages
   * instead of one per message (a loopback write costs more than the rest of a frame's cross-relay work). A turn,
   * not a timer: a 1 ms timer cost a wake-up of its own per batch (and a millisecond of latency), and the frames
   * of one turn are what the transport also writes to its sockets in one go. `zero`: the buffer is relay-owned content, zeroed once the client has written it.
   */
  publish(subject: string, data: Uint8Array, zero = false): boolean {
    if (this.closed) return false;
    this.outSubjects.push(subject);
    this.outData.push(data);
    if (zero) this.zeroQueue.push(data);
    if (!this.batchScheduled) {
      this.batchScheduled = true;
      setImmediate(this.flushBatch);
    }
    return true;
  }

  private outSubjects: string[] = [];
  private outData: Uint8Array[] = [];
  private batchScheduled = false;

  private beforeFlush: (() => void) | null = null;

  /**
   * Runs `f` at the start of every batch, before it is written: what `f` publishes goes out in the same write
   * (the cluster's media of the turn, coalesced per meeting and relay once the turn's frames are all in).
   */
  onFlush(f: () => void): void {
    this.beforeFlush = f;
  }

  /** Makes sure a batch runs at the end of this turn (for work queued for onFlush). */
  requestFlush(): void {
    if (!this.batchScheduled) {
      this.batchScheduled = true;
      setImmediate(this.flushBatch);
    }
  }

  private readonly flushBatch = (): void => {
    // Still "scheduled" while the hook runs: what it publishes joins this batch instead of scheduling another.
    if (this.beforeFlush !== null && !this.closed) this.beforeFlush();
    this.batchScheduled = false;
    const subjects = this.outSubjects;
    const data = this.outData;
    this.outSubjects = [];
    this.outData = [];
    const nc = this.nc;
    if (nc !== null && !this.closed) {
      for (let i = 0; i < subjects.length; i++) {
        try {
          nc.publish(subjects[i]!, data[i]!);
        } catch {
          // closed or draining: the message is lost like any other NATS loss (reliable lanes detect it)
        }
      }
    }
    // The client packs what was published into one buffer in its own microtask (queued by the first publish
    // above, so it runs before this one); once it has, the relay's copies can go.
    if (this.zeroQueue.length > 0) queueMicrotask(this.zeroWritten);
  };

  private readonly zeroWritten = (): void => {
    // While disconnected the client keeps what was published to send after reconnecting: zero only when connected.
    if (!this.connected && !this.closed) {
      setTimeout(() => this.zeroLater([]), 250).unref();
      return;
    }
    const q = this.zeroQueue;
    this.zeroQueue = [];
    for (const b of q) b.fill(0);
  };

  private zeroQueue: Uint8Array[] = [];

  /**
   * Zeroes relay-owned buffers (frames that left the retransmit window) once the client has written everything
   * published so far: at the end of the current or next batch.
   */
  zeroLater(buffers: readonly Uint8Array[]): void {
    for (const b of buffers) this.zeroQueue.push(b);
    if (!this.batchScheduled) {
      this.batchScheduled = true;
      setImmediate(this.flushBatch);
    }
  }

  /** Flushes what is buffered and closes. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    // What is batched (a goodbye heartbeat, a last report) goes out before the drain.
    if (this.outSubjects.length > 0 || this.batchScheduled) this.flushBatch();
    this.closed = true;
    if (this.rttTimer !== null) clearInterval(this.rttTimer);
    const nc = this.nc;
    this.nc = null;
    this.connected = false;
    if (nc !== null) {
      try {
        await nc.drain();
      } catch {
        await nc.close().catch(() => undefined);
      }
    }
    for (const b of this.zeroQueue) b.fill(0);
    this.zeroQueue = [];
  }
}
