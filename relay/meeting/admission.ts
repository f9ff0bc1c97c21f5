/**
 * Admission at the HTTP upgrade, cheapest checks first: path, protocol version, token presence, origin,
 * per-IP limits, readiness, the token's shape, then the (costly: about 0.5 ms of CPU) signature check, rationed
 * by the VerificationGate so that a storm of forged tokens cannot starve good joins or the meetings in progress,
 * then the meeting's own rules. Nothing here ever echoes the token.
 */
import { BEARER_PREFIX, ErrorCodes, SUBPROTOCOL, type ErrorCode } from '../../protocol/index.js';
import type { UpgradeDecision, UpgradeRequest } from '../transport/transport.types.js';

const JOIN_PATH = /^\/v1\/meetings\/([A-Za-z0-9_-]{1,128})\/?$/;

export function refusal<C>(code: ErrorCode): UpgradeDecision<C> {
  const spec = ErrorCodes[code];
  return { accept: false, status: spec.http, body: { error: code, message: spec.message } };
}

export interface ParsedJoin {
  readonly meetingId: string;
  readonly token: string;
}

/** Parses the join path and the Sec-WebSocket-Protocol offer. Returns an error code on failure. */
export function parseJoin(req: UpgradeRequest): ParsedJoin | ErrorCode {
  const m = JOIN_PATH.exec(req.path);
  if (m === null) return 'RELAY_ERR_NOT_FOUND';
  const offered = (req.headers['sec-websocket-protocol'] ?? '').split(',').map((s) => s.trim());
  let token = '';
  let version = false;
  for (const p of offered) {
    if (p === SUBPROTOCOL) version = true;
    else if (p.startsWith(BEARER_PREFIX)) token = p.slice(BEARER_PREFIX.length);
  }
  if (!version) return 'RELAY_ERR_UNSUPPORTED_VERSION';
  if (token.length === 0) return 'RELAY_ERR_TOKEN_MISSING';
  return { meetingId: m[1]!, token };
}

const TOKEN_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;
/** Longest token the relay looks at (the verifier's own default limit). */
const MAX_TOKEN_LENGTH = 4096;
/** Longest JWS header worth decoding: `{"alg":"ES256","typ":"JWT","kid":"<up to 256>"}` fits easily. */
const MAX_HEADER_LENGTH = 512;

/**
 * The checks of a join token that cost no signature work: length, the three base64url parts of a JWS, a JSON
 * header naming ES256 and a key id. The verifier makes them again (it is the authority); failing here only keeps
 * garbage out of the verification queue. Returns the refusal code, or null when the token is worth verifying.
 */
export function cheapTokenCheck(token: string): ErrorCode | null {
  if (token.length > MAX_TOKEN_LENGTH || !TOKEN_SHAPE.test(token)) return 'RELAY_ERR_TOKEN_INVALID';
  const headerPart = token.slice(0, token.indexOf('.'));
  if (headerPart.length > MAX_HEADER_LENGTH) return 'RELAY_ERR_TOKEN_INVALID';
  const text = Buffer.from(headerPart, 'base64url').toString('utf8');
  if (text.charCodeAt(0) !== 0x7b /* { */) return 'RELAY_ERR_TOKEN_INVALID';
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch {
    return 'RELAY_ERR_TOKEN_INVALID';
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) return 'RELAY_ERR_TOKEN_INVALID';
  const { alg, kid } = header as Record<string, unknown>;
  if (alg !== 'ES256') return 'RELAY_ERR_TOKEN_ALGORITHM';
  if (typeof kid !== 'string' || kid.length === 0) return 'RELAY_ERR_TOKEN_UNKNOWN_KEY';
  return null;
}

/** Per-IP connection counts (open plus handshakes in progress) and handshake rate (token bucket per address). */
export class IpLimiter {
  private readonly entries = new Map<string, { open: number; inflight: number; tokens: number; at: number }>();

  constructor(private readonly maxOpen: number, private readonly handshakesPerSecond: number) {}

  /**
   * Charges one handshake; false when the address is over its rate or its connection cap (connections open plus
   * handshakes still being decided, so that a burst of parallel handshakes cannot overshoot the cap). Every true
   * must be followed by handshakeDone() once the upgrade is decided.
   */
  admitHandshake(ip: string, now: number): boolean {
    let e = this.entries.get(ip);
    if (e === undefined) {
      e = { open: 0, inflight: 0, tokens: this.handshakesPerSecond, at: now };
      this.entries.set(ip, e);
    }
    e.tokens = Math.min(this.handshakesPerSecond, e.tokens + ((now - e.at) * this.handshakesPerSecond) / 1000);
    e.at = now;
    if (e.open + e.inflight >= this.maxOpen || e.tokens < 1) return false;
    e.tokens -= 1;
    e.inflight++;
    return true;
  }

  /**
   * The upgrade admitted by admitHandshake() is decided. An accepted one is counted by opened() right after
   * (the transports open the socket in the same microtask chain, before any other upgrade can run).
   */
  handshakeDone(ip: string): void {
    const e = this.entries.get(ip);
    if (e !== undefined && e.inflight > 0) e.inflight--;
  }

  opened(ip: string): void {
    const e = this.entries.get(ip);
    if (e !== undefined) e.open++;
  }

  closed(ip: string): void {
    const e = this.entries.get(ip);
    if (e !== undefined && e.open > 0) e.open--;
  }

  /** Forgets idle addresses whose bucket is full again. */
  sweep(now: number): void {
    for (const [ip, e] of this.entries) {
      if (e.open === 0 && e.inflight === 0 && now - e.at > 2000) this.entries.delete(ip);
    }
  }
}

export interface VerificationGateOptions {
  /** Verifications waiting or running for one address; more are refused at once (429). */
  readonly maxPendingPerIp: number;
  /** Verifications waiting relay-wide; more are refused at once (429). */
  readonly maxQueued: number;
  /** Signature verifications per event-loop turn; the rest wait for later turns. */
  readonly perTurn: number;
  /** A verification that waited longer than this is refused without being done (429). */
  readonly maxWaitMs: number;
}

interface Waiter {
  readonly resolve: (granted: boolean) => void;
  readonly at: number;
}

/**
 * Rations signature verifications. At most `perTurn` run per event-loop turn, so frames keep flowing between
 * turns whatever arrives; past that, joins wait in one queue per address, served round-robin (one per address per
 * round), so that a few addresses sending thousands of forged tokens delay a good join by at most one
 * verification each, not by the whole storm. Queues are bounded per address and relay-wide, and a join that waited
 * too long is refused without the work. Memory: one small record per waiting join (the token string is held by
 * the caller).
 */
export class VerificationGate {
  private readonly queues = new Map<string, Waiter[]>();
  private readonly pending = new Map<string, number>();
  private queued = 0;
  private usedThisTurn = 0;
  private scheduled = false;

  constructor(private readonly o: VerificationGateOptions) {}

  /** Verifications waiting now (for metrics and tests). */
  get waiting(): number {
    return this.queued;
  }

  /**
   * Asks to verify one token from `ip`: true means verify now, false means refused (over a bound), a promise
   * means wait for it. After a grant (true or a promise resolving true) call release(ip) once the verification is
   * done; after a refusal do not.
   */
  acquire(ip: string, now: number): boolean | Promise<boolean> {
    const pending = this.pending.get(ip) ?? 0;
    if (pending >= this.o.maxPendingPerIp) return false;
    if (this.queued === 0 && this.usedThisTurn < this.o.perTurn) {
      this.usedThisTurn++;
      this.pending.set(ip, pending + 1);
      this.schedule();
      return true;
    }
    if (this.queued >= this.o.maxQueued) return false;
    this.pending.set(ip, pending + 1);
    let queue = this.queues.get(ip);
    if (queue === undefined) {
      queue = [];
      this.queues.set(ip, queue);
    }
    this.queued++;
    this.schedule();
    const q = queue;
    return new Promise<boolean>((resolve) => q.push({ resolve, at: now }));
  }

  /** A granted verification is done. */
  release(ip: string): void {
    const pending = this.pending.get(ip);
    if (pending === undefined) return;
    if (pending <= 1) this.pending.delete(ip);
    else this.pending.set(ip, pending - 1);
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(this.turn);
  }

  /** Once per event-loop turn while there is work: a fresh budget, served round-robin across addresses. */
  private readonly turn = (): void => {
    this.scheduled = false;
    this.usedThisTurn = 0;
    const now = Date.now();
    while (this.queued > 0 && this.usedThisTurn < this.o.perTurn) {
      const first = this.queues.entries().next();
      if (first.done) break;
      const [ip, queue] = first.value;
      const waiter = queue.shift()!;
      this.queued--;
      // Move this address to the back of the ring (or drop it when it has nothing left).
      this.queues.delete(ip);
      if (queue.length > 0) this.queues.set(ip, queue);
      if (now - waiter.at > this.o.maxWaitMs) {
        this.release(ip);
        waiter.resolve(false);
        continue;
      }
      this.usedThisTurn++;
      waiter.resolve(true);
    }
    // Granted verifications run in this turn's microtasks; the next turn gets a fresh budget.
    if (this.queued > 0 || this.usedThisTurn > 0) this.schedule();
  };
}

/**
 * Meeting ids that ended, so that tokens for them are refused (ids only, bounded). The relay keeps them in a
 * durable file (relay/state/ended-meetings-file.ts) so that a restart does not reopen an ended meeting; a
 * cluster can put a shared store behind the same interface.
 */
export interface EndedMeetings {
  /** Remembers `id` as ended at `now` (unix ms). Never throws. */
  add(id: string, now: number): void;
  /** True while `id` is remembered as ended. */
  has(id: string, now: number): boolean;
  /**
   * Cluster mode: asks the cluster whether `id` ended on another relay (for a join to a meeting this relay does
   * not hold; never rejects). Absent on one relay, where `has` knows everything.
   */
  lookup?(id: string): Promise<boolean>;
  /** Idempotent. */
  close?(): void;
}

/** How long an ended meeting id is refused by default: 24 hours. */
export const ENDED_MEETING_TTL_MS = 24 * 3_600_000;

/** An in-memory EndedMeetings (the oldest id goes first when full). Forgotten at restart. */
export class MemoryEndedMeetings implements EndedMeetings {
  private readonly ids = new Map<string, number>();

  constructor(private readonly ttlMs: number, private readonly max: number) {}

  add(id: string, now: number): void {
    if (this.ids.size >= this.max) {
      const oldest = this.ids.keys().next();
      if (!oldest.done) this.ids.delete(oldest.value);
    }
    this.ids.set(id, now + this.ttlMs);
  }

  has(id: string, now: number): boolean {
    const until = this.ids.get(id);
    if (until === undefined) return false;
    if (until < now) {
      this.ids.delete(id);
      return false;
    }
    return true;
  }
}
