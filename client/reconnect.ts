/**
 * Reconnect and resume: after an unexpected close (no close frame, 1006, or another code no relay sends on
 * purpose) the client opens a new socket by itself, offering its resume credential and the last meeting seq it
 * received (`resume.<credential>.<last seq>` in Sec-WebSocket-Protocol), with exponential backoff and jitter,
 * bounded in attempts and in total time. The relay continues the same session: it resends what the client
 * missed (or says what it could not, RESUME_GAP) and keeps its track subscriptions. Runtime-neutral.
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
}

export interface ResolvedReconnect {
  readonly enabled: boolean;
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
  readonly maxAttempts: number;
  readonly maxTotalMs: number;
  readonly attemptTimeoutMs: number;
  readonly silenceTimeoutMs: number;
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
  };
}

/**
 * Close codes after which the client tries to resume: the connection died and nobody closed it on purpose, or the
 * relay closed it as silent (4004 idle timeout: it holds the place as for a drop).
 */
export function isUnexpectedClose(code: number): boolean {
  return code === 1006 || code === 1005 || code === 1011 || code === 1012 || code === 1013 || code === 1014 || code === 4004;
}

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
