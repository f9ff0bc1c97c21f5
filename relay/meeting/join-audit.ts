/**
 * The audit line of a refused join (pino, level info): the refusal code, the meeting id, the signing key id the
 * token names and the remote address (or a keyed hash of it when IP logging is off). Never the token, never a
 * header. Rate-limited per address and relay-wide, so that a storm of refused joins cannot flood the log; what the
 * limits hold back is summed up in one line every 10 s.
 */
import { createHmac, randomBytes } from 'node:crypto';
import type { Logger } from '../log/logger.js';
import { BEARER_PREFIX } from '../../protocol/index.js';
import type { UpgradeRequest } from '../transport/transport.types.js';
import { admissionMeetingId, bearerToken } from './admission-check.js';

export interface JoinAuditOptions {
  readonly log: Logger;
  /** Log remote addresses as they are (setting logIpAddresses); otherwise a keyed hash, stable within this process. */
  readonly logIpAddresses: boolean;
  /** Lines per second per address (token bucket; burst 5x). Default 1. */
  readonly perIpPerSecond?: number;
  /** Lines per second relay-wide (token bucket; burst 2x). Default 50. */
  readonly perSecond?: number;
  /** Clock in milliseconds (tests). */
  readonly now?: () => number;
}

const JOIN_PATH = /^\/v1\/meetings\/([A-Za-z0-9_-]{1,128})\/?$/;
const SAFE_KID = /^[A-Za-z0-9._:-]{1,128}$/;
/** Addresses tracked at once; past it new addresses share the relay-wide budget only. */
const MAX_TRACKED = 10_000;
const SUMMARY_MS = 10_000;

/** The key id a token's JWS header names, if it is a short plain string; never anything else of the token. */
export function tokenKid(token: string): string | null {
  const dot = token.indexOf('.');
  if (dot <= 0 || dot > 512) return null;
  try {
    const header = JSON.parse(Buffer.from(token.slice(0, dot), 'base64url').toString('utf8')) as unknown;
    if (typeof header !== 'object' || header === null) return null;
    const kid = (header as Record<string, unknown>).kid;
    return typeof kid === 'string' && SAFE_KID.test(kid) ? kid : null;
  } catch {
    return null;
  }
}

/** The bearer token offered in Sec-WebSocket-Protocol, or ''. */
function offeredToken(req: UpgradeRequest): string {
  const offer = req.headers['sec-websocket-protocol'];
  if (offer === undefined) return '';
  for (const p of offer.split(',')) {
    const t = p.trim();
    if (t.startsWith(BEARER_PREFIX)) return t.slice(BEARER_PREFIX.length);
  }
  return '';
}

interface Bucket {
  tokens: number;
  at: number;
}

export class JoinAudit {
  private readonly log: Logger;
  private readonly logIp: boolean;
  private readonly key = randomBytes(32);
  private readonly perIp: number;
  private readonly perSecond: number;
  private readonly now: () => number;
  private readonly buckets = new Map<string, Bucket>();
  private readonly global: Bucket;
  private suppressed = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(o: JoinAuditOptions) {
    this.log = o.log;
    this.logIp = o.logIpAddresses;
    this.perIp = o.perIpPerSecond ?? 1;
    this.perSecond = o.perSecond ?? 50;
    this.now = o.now ?? Date.now;
    this.global = { tokens: this.perSecond * 2, at: this.now() };
    this.timer = setInterval(() => this.summary(), SUMMARY_MS);
    this.timer.unref();
  }

  /** A join refused at the upgrade: meeting id from the path, kid from the offered token's header. */
  refusedUpgrade(req: UpgradeRequest, code: string): void {
    if (!this.take(req.remoteAddress)) return;
    const m = JOIN_PATH.exec(req.path);
    const token = offeredToken(req);
    this.write(code, m === null ? null : m[1]!, token.length > 0 ? tokenKid(token) : null, req.remoteAddress);
  }

  /**
   * An admission pre-check refused (`GET /v1/meetings/<id>/admission`): the same line as a refused upgrade, with
   * `via: "admission_check"`; the kid from the Authorization header's token, never the token.
   */
  refusedCheck(req: UpgradeRequest, code: string): void {
    if (!this.take(req.remoteAddress)) return;
    const token = bearerToken(req.headers);
    this.write(code, admissionMeetingId(req.path), token.length > 0 ? tokenKid(token) : null, req.remoteAddress, 'admission_check');
  }

  /** A join refused when its socket opened (the meeting changed while the token was verified). */
  refusedAtOpen(code: string, meetingId: string, remoteAddress: string): void {
    if (this.take(remoteAddress)) this.write(code, meetingId, null, remoteAddress);
  }

  /** Idempotent: writes the last summary and stops the timer. */
  close(): void {
    clearInterval(this.timer);
    this.summary();
  }

  private write(code: string, meetingId: string | null, kid: string | null, ip: string, via?: 'admission_check'): void {
    const where = this.logIp ? { remoteAddress: ip } : { remoteAddressHash: this.hash(ip) };
    this.log.info({ event: 'join_refused', code, meetingId, kid, ...where, ...(via !== undefined ? { via } : {}) }, 'join refused');
  }

  private hash(ip: string): string {
    return createHmac('sha256', this.key).update(ip).digest('hex').slice(0, 16);
  }

  private refill(b: Bucket, rate: number, burst: number, t: number): void {
    b.tokens = Math.min(burst, b.tokens + ((t - b.at) * rate) / 1000);
    b.at = t;
  }

  /** Charges one line to the address and to the relay; false (counted as suppressed) when either is out. */
  private take(ip: string): boolean {
    const t = this.now();
    this.refill(this.global, this.perSecond, this.perSecond * 2, t);
    let b = this.buckets.get(ip);
    if (b === undefined) {
      if (this.buckets.size >= MAX_TRACKED) this.sweep(t);
      if (this.buckets.size < MAX_TRACKED) {
        b = { tokens: this.perIp * 5, at: t };
        this.buckets.set(ip, b);
      }
    } else {
      this.refill(b, this.perIp, this.perIp * 5, t);
    }
    if (this.global.tokens < 1 || (b !== undefined && b.tokens < 1) || (b === undefined && this.global.tokens < this.perSecond)) {
      this.suppressed++;
      return false;
    }
    this.global.tokens -= 1;
    if (b !== undefined) b.tokens -= 1;
    return true;
  }

  /** Forgets addresses whose bucket is full again. */
  private sweep(t: number): void {
    const full = this.perIp * 5;
    for (const [ip, b] of this.buckets) if (b.tokens + ((t - b.at) * this.perIp) / 1000 >= full) this.buckets.delete(ip);
  }

  private summary(): void {
    this.sweep(this.now());
    if (this.suppressed === 0) return;
    this.log.info({ event: 'join_refused_suppressed', count: this.suppressed }, 'refused joins not logged (audit rate limit)');
    this.suppressed = 0;
  }
}
