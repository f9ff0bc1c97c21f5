/**
 * Reconnect and resume: after an unexpected close (no close frame, 1006, or another code no relay sends on
 * purpose) the client opens a new socket by itself, offering its resume credential and the last meeting seq it
 * received (`resume.<credential>.<last seq>` in Sec-WebSocket-Protocol), with exponential backoff and jitter,
 * bounded in attempts and in total time. The relay continues the same session: it resends what the client
 * missed (or says what it could not, RESUME_GAP) and keeps its track subscriptions.
 *
 * A relay of a cluster that lets its sessions go (4013 cluster gap, 4014 cut off, or 1001 going away while the
 * meeting goes on elsewhere) is answered the same way, starting with the next relay of `urls`; if the resume is
 * refused there, the client joins anew with its join token while that is still usable (`rejoined`).
 * Runtime-neutral: `decideClose` and `tokenRejoinBlocker` are the decision table (test/unit/client-recovery.test.ts).
 */

/** Reconnect settings (ConnectOptions.reconnect). Every field has a default. */
export interface ReconnectOptions {
  /** Default true (also needs the relay's resume: WELCOME carries a credential). */
  readonly enabled?: boolean;
  /** First retry after about this long, ms. Default 250. */
  readonly initialDelayMs?: number;
  /** Retries back off exponentially up to this delay, ms. Default 2 000. */
  readonly maxDelayMs?: number;
  /** Attempts before giving up. Default 30. */
  readonly maxAttempts?: number;
  /** Gives up this long after the drop, ms. Default: the relay's resume grace (WELCOME), or 15 000. */
  readonly maxTotalMs?: number;
  /** How long one attempt waits for its WELCOME, ms. Default 5 000. */
  readonly attemptTimeoutMs?: number;
  /**
   * No frame from the relay for this long (it answers every PING) means the connection is dead: it is dropped
   * and resumed. Default 1.5 times the relay's idle timeout (WELCOME limits).
   */
  readonly silenceTimeoutMs?: number;
  /**
   * Other relays to resume through (base URLs like ConnectOptions.url, or join URLs), tried in turn after the
   * first URL: attempt n uses [url, ...urls][(n - 1) % length]. In a cluster any relay accepts the credential
   * (the relays share --resume-secret-file), so a participant whose relay died resumes on another one.
   */
  readonly urls?: readonly string[];
  /** Or: the URL of attempt n (1-based); it wins over `urls`. */
  readonly urlFor?: (attempt: number) => string;
  /**
   * After a cluster close (4013, 4014, 1001 of a draining relay) whose resume is refused, join anew with the join
   * token if it is still valid and not single-use (`rejoined`). Default true.
   */
  readonly rejoin?: boolean;
}

export interface ResolvedReconnect {
  readonly enabled: boolean;
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
  readonly maxAttempts: number;
  readonly maxTotalMs: number;
  readonly attemptTimeoutMs: number;
  readonly silenceTimeoutMs: number;
  readonly rejoin: boolean;
}

export function resolveReconnect(o: ReconnectOptions | undefined, graceMs: number, idleTimeoutMs = 30_000): ResolvedReconnect {
  return {
    enabled: o?.enabled ?? true,
    initialDelayMs: o?.initialDelayMs ?? 250,
    maxDelayMs: o?.maxDelayMs ?? 2_000,
    maxAttempts: o?.maxAttempts ?? 30,
    maxTotalMs: o?.maxTotalMs ?? (graceMs > 0 ? graceMs : 15_000),
    attemptTimeoutMs: o?.attemptTimeoutMs ?? 5_000,
    silenceTimeoutMs: o?.silenceTimeoutMs ?? Math.round(idleTimeoutMs * 1.5),
    rejoin: o?.rejoin ?? true,
  };
}

/**
 * Close codes after which the client tries to resume: the connection died and nobody closed it on purpose, or the
 * relay closed it as silent (4004 idle timeout: it holds the place as for a drop).
 */
export function isUnexpectedClose(code: number): boolean {
  return code === 1006 || code === 1005 || code === 1011 || code === 1012 || code === 1013 || code === 1014 || code === 4004;
}

/**
 * What a close means for the client (the decision table of protocol/README.md "Close codes", column "client"):
 * - `resume`: the connection died (isUnexpectedClose): resume, first on the same relay; a refusal is final.
 * - `recover`: a relay of a cluster let the session go (4013, 4014; 1001 when the relay was draining, it said the
 *   meeting ended with reason `shutdown`, and other relays are configured): resume through the next relay, and if
 *   refused, rejoin with the join token.
 * - `close`: deliberate or final (left, removed, replaced, ended, refused frames...): no reconnect.
 */
export type CloseDecision = 'resume' | 'recover' | 'close';

export function decideClose(code: number, ctx: { readonly drained: boolean; readonly otherRelays: boolean }): CloseDecision {
  if (isUnexpectedClose(code)) return 'resume';
  if (code === 4013 || code === 4014) return 'recover';
  if (code === 1001 && ctx.drained && ctx.otherRelays) return 'recover';
  return 'close';
}

/**
 * Why the join token cannot be used to rejoin (null: it can): malformed, expired (`exp`, with a margin for
 * clock skew and the round trip), or single-use (`single`: already used by the first join).
 */
export function tokenRejoinBlocker(token: string, nowMs: number, marginMs = 2_000): 'token_malformed' | 'token_expired' | 'token_single_use' | null {
  const part = token.split('.')[1];
  if (part === undefined) return 'token_malformed';
  let claims: { exp?: unknown; single?: unknown };
  try {
    const b64 = part.replace(/-/g, '+').replace(/_/g, '/');
    const bin = atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4));
    const bytes = Uint8Array.from(bin, (c) => c.charCodeAt(0));
    claims = JSON.parse(new TextDecoder().decode(bytes)) as { exp?: unknown; single?: unknown };
  } catch {
    return 'token_malformed';
  }
  if (claims === null || typeof claims !== 'object') return 'token_malformed';
  if (claims.single === true) return 'token_single_use';
  if (typeof claims.exp === 'number' && claims.exp * 1000 <= nowMs + marginMs) return 'token_expired';
  return null;
}

/** Resume refusals after which a `recover` close tries the join token instead. */
export const REJOIN_AFTER_CODES: ReadonlySet<string> = new Set(['RELAY_ERR_RESUME_REFUSED', 'RELAY_ERR_RESUME_INVALID']);

/** Join refusals after which trying again cannot help (the others, such as 503, are retried). */
export const FINAL_JOIN_CODES: ReadonlySet<string> = new Set([
  'RELAY_ERR_TOKEN_MISSING',
  'RELAY_ERR_TOKEN_INVALID',
  'RELAY_ERR_TOKEN_EXPIRED',
  'RELAY_ERR_TOKEN_NOT_YET_VALID',
  'RELAY_ERR_TOKEN_ALGORITHM',
  'RELAY_ERR_TOKEN_REPLAYED',
  'RELAY_ERR_TOKEN_CLAIMS',
  'RELAY_ERR_TOKEN_AUDIENCE',
  'RELAY_ERR_TOKEN_UNKNOWN_KEY',
  'RELAY_ERR_WRONG_MEETING',
  'RELAY_ERR_MEETING_ENDED',
  'RELAY_ERR_MEETING_LOCKED',
  'RELAY_ERR_BARRED',
  'RELAY_ERR_ORIGIN',
  'RELAY_ERR_NOT_FOUND',
  'RELAY_ERR_UNSUPPORTED_VERSION',
]);

/** Delay before attempt `n` (1-based): exponential, capped, with full jitter in its upper half. */
export function backoffDelay(n: number, r: ResolvedReconnect, random: () => number = Math.random): number {
  const base = Math.min(r.maxDelayMs, r.initialDelayMs * 2 ** (n - 1));
  return Math.round(base / 2 + (random() * base) / 2);
}

/** Refusal codes after which trying again cannot help. */
export const FINAL_RESUME_CODES: ReadonlySet<string> = new Set([
  'RELAY_ERR_RESUME_REFUSED',
  'RELAY_ERR_RESUME_INVALID',
  'RELAY_ERR_MEETING_ENDED',
  'RELAY_ERR_BARRED',
  'RELAY_ERR_ORIGIN',
  'RELAY_ERR_NOT_FOUND',
  'RELAY_ERR_UNSUPPORTED_VERSION',
]);

/** The relay URL of resume attempt `attempt` (1-based): `urlFor`, else round the list starting with `first`. */
export function resumeUrl(first: string, o: ReconnectOptions | undefined, attempt: number): string {
  if (o?.urlFor !== undefined) return o.urlFor(attempt);
  const list = [first, ...(o?.urls ?? [])];
  return list[(attempt - 1) % list.length]!;
}

/** The resume subprotocol for a credential and the last seq received. */
export function resumeProtocol(credential: string, lastSeq: number): string {
  return `resume.${credential}.${lastSeq}`;
}
