/**
 * Admission at the HTTP upgrade, cheapest checks first: path, protocol version, token presence, origin,
 * per-IP limits, readiness, then the (costly) signature check, then the meeting's own rules.
 * Nothing here ever echoes the token.
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

/** Per-IP connection counts and handshake rate (token bucket per address). */
export class IpLimiter {
  private readonly entries = new Map<string, { open: number; tokens: number; at: number }>();

  constructor(private readonly maxOpen: number, private readonly handshakesPerSecond: number) {}

  /** Charges one handshake; false when the address is over its rate or its connection cap. */
  admitHandshake(ip: string, now: number): boolean {
    let e = this.entries.get(ip);
    if (e === undefined) {
      e = { open: 0, tokens: this.handshakesPerSecond, at: now };
      this.entries.set(ip, e);
    }
    e.tokens = Math.min(this.handshakesPerSecond, e.tokens + ((now - e.at) * this.handshakesPerSecond) / 1000);
    e.at = now;
    if (e.open >= this.maxOpen || e.tokens < 1) return false;
    e.tokens -= 1;
    return true;
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
      if (e.open === 0 && now - e.at > 2000) this.entries.delete(ip);
    }
  }
}

/** Meeting ids that ended recently, so that tokens for them are refused (ids only, bounded). */
export class EndedMeetings {
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
