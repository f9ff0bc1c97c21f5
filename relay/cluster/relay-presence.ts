/**
 * Which relays are alive: every relay announces itself on `<prefix>.ctl.hb` every `intervalMs` and holds the set of
 * relays it heard within `deadAfterMs`. From that set, rendezvous (highest-random-weight) hashing names one owner
 * per key (a meeting id): every relay that sees the same live set names the same owner, and when a relay dies only
 * the keys it owned move (to the next relay in that key's order). See DESIGN.md "Single state".
 *
 * No NATS here: the caller publishes what `send` is given and passes in what arrives on `subject`.
 */
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';

export interface RelayPresenceOptions {
  /** This relay's cluster node id. */
  readonly selfId: string;
  readonly prefix: string;
  /** Heartbeat period (settings: clusterHeartbeatMs). */
  readonly intervalMs: number;
  /** A relay not heard from for this long is dead (settings: clusterDeadAfterMs). */
  readonly deadAfterMs: number;
}

/** Events: a relay appeared, a relay died (or said goodbye), this relay found it had stalled (see stalled()). */
export interface RelayPresenceEvents {
  up: [node: string];
  down: [node: string, why: 'timeout' | 'bye' | 'restarted'];
  /** This relay did not run (SIGSTOP, a blocked loop) or was cut off from NATS for longer than deadAfterMs. */
  stalled: [ms: number];
  /**
   * A relay this one declared dead (timeout) beats again with the same incarnation: it may not know (its own
   * outage looked shorter to it); the caller tells it (stalledElsewhere() on its side).
   */
  revived: [node: string, boot: string];
}

interface Peer {
  /** The peer's process incarnation: a restart with the same node id is a new relay. */
  boot: string;
  lastSeen: number;
}

interface Beat {
  n: string;
  b: string;
  /** Asks every relay to answer at once (sent at start, so a new relay learns the live set in one round trip). */
  q?: 1;
  bye?: 1;
}

/** 32-bit FNV-1a of `key`, `\0`, `node`, finished with murmur3's mixer (an even spread over nodes). */
export function rendezvousWeight(key: string, node: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  h = Math.imul(h ^ 0, 0x01000193);
  for (let i = 0; i < node.length; i++) h = Math.imul(h ^ node.charCodeAt(i), 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** `nodes` in `key`'s rendezvous order: highest weight first (ties: the smaller id). */
export function rendezvousOrder(key: string, nodes: Iterable<string>): string[] {
  const scored = [...nodes].map((n) => ({ n, w: rendezvousWeight(key, n) }));
  scored.sort((a, b) => b.w - a.w || (a.n < b.n ? -1 : a.n > b.n ? 1 : 0));
  return scored.map((s) => s.n);
}

export class RelayPresence extends EventEmitter<RelayPresenceEvents> {
  readonly subject: string;
  /** This process's incarnation (random per start). */
  readonly boot = randomUUID();
  private readonly peers = new Map<string, Peer>();
  /** Relays declared dead by timeout, with their incarnation (bounded: the last 1 000). */
  private readonly declaredDead = new Map<string, string>();
  private lastStallAt = -Infinity;
  private timer: NodeJS.Timeout | null = null;
  private lastTick = 0;
  private startedAt = 0;
  private closed = false;
  /** False while this relay has no NATS connection: it hears nobody then, which says nothing about the others. */
  private connected = true;

  constructor(private readonly o: RelayPresenceOptions, private readonly send: (subject: string, body: Uint8Array) => void) {
    super();
    if (!(o.deadAfterMs > o.intervalMs)) throw new RangeError('deadAfterMs must be larger than intervalMs');
    this.subject = `${o.prefix}.ctl.hb`;
  }

  /** Starts beating (the first beat asks the others to answer at once). Idempotent. */
  start(): void {
    if (this.timer !== null || this.closed) return;
    this.startedAt = this.lastTick = performance.now();
    this.beat(true);
    this.timer = setInterval(() => this.tick(), this.o.intervalMs);
    this.timer.unref();
  }

  /**
   * True once this relay has had time to hear every live relay (one heartbeat period and a half after start):
   * before that, ownerOf() may name this relay for a key another relay owns.
   */
  get settled(): boolean {
    return this.timer !== null && performance.now() - this.startedAt >= this.o.intervalMs * 1.5;
  }

  /** Live relays, this one included, sorted by id. */
  liveNodes(): string[] {
    return [this.o.selfId, ...this.peers.keys()].sort();
  }

  isLive(node: string): boolean {
    return node === this.o.selfId || this.peers.has(node);
  }

  /** The live relay that owns `key` (rendezvous hashing). */
  ownerOf(key: string): string {
    let best = this.o.selfId;
    let bestW = rendezvousWeight(key, best);
    for (const n of this.peers.keys()) {
      const w = rendezvousWeight(key, n);
      if (w > bestW || (w === bestW && n < best)) {
        best = n;
        bestW = w;
      }
    }
    return best;
  }

  /** Every live relay in `key`'s order: the owner first, then who takes over if it dies. */
  orderOf(key: string): string[] {
    return rendezvousOrder(key, this.liveNodes());
  }

  /** A message that arrived on `subject`. */
  receive(data: Uint8Array): void {
    if (this.closed) return;
    let b: Beat;
    try {
      b = JSON.parse(new TextDecoder().decode(data)) as Beat;
    } catch {
      return;
    }
    if (typeof b.n !== 'string' || typeof b.b !== 'string' || b.n === this.o.selfId) return;
    const known = this.peers.get(b.n);
    if (b.bye === 1) {
      if (known !== undefined && known.boot === b.b) {
        this.peers.delete(b.n);
        this.emit('down', b.n, 'bye');
      }
      return;
    }
    const now = performance.now();
    if (known !== undefined && known.boot !== b.b) {
      // Restarted with the same id before it was declared dead: the old one is gone all the same.
      this.peers.delete(b.n);
      this.emit('down', b.n, 'restarted');
    }
    const peer = this.peers.get(b.n);
    if (peer === undefined) {
      this.peers.set(b.n, { boot: b.b, lastSeen: now });
      const wasDead = this.declaredDead.get(b.n) === b.b;
      this.declaredDead.delete(b.n);
      this.emit('up', b.n);
      if (wasDead) this.emit('revived', b.n, b.b);
    } else {
      peer.lastSeen = now;
    }
    if (b.q === 1) this.beat(false);
  }

  /**
   * This relay was cut off (NATS down) for `ms`: past deadAfterMs the others have declared it dead, and it
   * reports that as `stalled` (the cluster closes its sessions so that its participants reconnect).
   */
  cutOff(ms: number): void {
    this.connected = true;
    if (ms > this.o.deadAfterMs) {
      this.stall(ms);
      return;
    }
    // Back within the dead-after time: the others' silence while this relay could not hear them says nothing of
    // them. Without this, an outage of a little less than the dead-after time made this relay declare live relays
    // dead on its next tick (and drop their streams: a later message then started a new stream past the hole).
    const now = performance.now();
    for (const p of this.peers.values()) p.lastSeen = now;
  }

  /** The NATS connection dropped: no relay is declared dead until it is back (cutOff() then). */
  disconnected(): void {
    this.connected = false;
  }

  /**
   * Another relay says it declared this one dead (this incarnation): a stall, unless one was just reported (every
   * relay that saw this one die says so).
   */
  stalledElsewhere(boot: string): void {
    if (boot !== this.boot || performance.now() - this.lastStallAt < this.o.deadAfterMs) return;
    this.stall(-1);
  }

  private stall(ms: number): void {
    this.lastStallAt = performance.now();
    // Whoever beat while this relay did not run gets a fresh period to show it is alive.
    const now = performance.now();
    for (const p of this.peers.values()) p.lastSeen = now;
    this.emit('stalled', ms);
  }

  /**
   * Reports a stall now if this relay has not run its heartbeat for longer than deadAfterMs. Whoever acts on
   * ownership calls it first: after a SIGCONT any timer may run before the heartbeat's, and must not act on the
   * live set of before the stop.
   */
  checkStall(): boolean {
    if (this.timer === null) return false;
    const now = performance.now();
    const since = now - this.lastTick;
    if (since <= this.o.deadAfterMs) return false;
    this.lastTick = now;
    this.stall(since);
    return true;
  }

  private tick(): void {
    if (this.checkStall()) {
      this.beat(false);
      return;
    }
    const now = performance.now();
    this.lastTick = now;
    this.beat(false);
    if (!this.connected) return;
    for (const [n, p] of this.peers) {
      if (now - p.lastSeen > this.o.deadAfterMs) {
        this.peers.delete(n);
        this.declaredDead.set(n, p.boot);
        if (this.declaredDead.size > 1_000) this.declaredDead.delete(this.declaredDead.keys().next().value!);
        this.emit('down', n, 'timeout');
      }
    }
  }

  private beat(query: boolean): void {
    const b: Beat = query ? { n: this.o.selfId, b: this.boot, q: 1 } : { n: this.o.selfId, b: this.boot };
    this.send(this.subject, new TextEncoder().encode(JSON.stringify(b)));
  }

  /** Says goodbye (the others drop this relay at once) and stops. Idempotent. */
  close(): void {
    if (this.closed) return;
    if (this.timer !== null) {
      clearInterval(this.timer);
      this.send(this.subject, new TextEncoder().encode(JSON.stringify({ n: this.o.selfId, b: this.boot, bye: 1 })));
    }
    this.closed = true;
    this.timer = null;
    this.peers.clear();
  }
}
