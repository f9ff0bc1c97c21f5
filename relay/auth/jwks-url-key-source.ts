/**
 * A key source that fetches a JWKS over HTTP (the invite service's `/.well-known/jwks.json`) and caches it.
 * A token naming an unknown kid triggers a refetch (a rotation happened), but at most once per
 * `minRefetchIntervalMs`, so a flood of tokens with invented kids costs the key server one request per interval.
 * A miss inside that interval waits for one trailing fetch at the interval's end (all such misses share it), so a
 * join with a freshly rotated key succeeds, a little later, even right after another fetch: key rotation costs no
 * failed join. The price is that a token with an invented kid may wait up to the interval before it is refused.
 */
import type { KeyObject } from 'node:crypto';
import type { KeySource } from './key-source.types.js';
import { parseJwks } from '../../token/jwks.js';

export interface JwksUrlKeySourceOptions {
  /** Refetch the set this often even without misses (drops retired keys). Default 300000 (5 min). */
  readonly refreshMs?: number;
  /** Minimum time between two fetches caused by unknown kids; also the longest an unknown kid waits. Default 1000 ms. */
  readonly minRefetchIntervalMs?: number;
  /** Abort a fetch after this long. Default 5000 ms. */
  readonly fetchTimeoutMs?: number;
  /** Refuse a response larger than this. Default 262144 (256 KiB). */
  readonly maxResponseBytes?: number;
  /** Told about failed fetches and skipped keys (for logs). Messages hold the URL and the problem, nothing else. */
  readonly onProblem?: (message: string) => void;
}

/** A JWKS URL source; `ready()` resolves after the first fetch settles, true when it loaded a set. */
export interface JwksUrlKeySource extends KeySource {
  ready(): Promise<boolean>;
  /** Fetches now unless a fetch is in flight (then shares it). Resolves true when a set was loaded. Never rejects. */
  refresh(): Promise<boolean>;
  /** How many fetches were started (for tests and metrics). */
  readonly fetchCount: number;
}

function positiveInt(name: string, value: number): number {
  if (!Number.isInteger(value) || value <= 0) {
    throw new Error(`createJwksUrlKeySource: ${name} must be a positive integer, got ${String(value)}`);
  }
  return value;
}

/** Starts fetching `url` at once. Throws only for bad options (a URL that is not http(s), non-positive intervals). */
export function createJwksUrlKeySource(url: string, options: JwksUrlKeySourceOptions = {}): JwksUrlKeySource {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`createJwksUrlKeySource: url is not a valid URL: ${JSON.stringify(url)}`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new Error(`createJwksUrlKeySource: url must be http or https, got ${parsed.protocol}`);
  }
  const refreshMs = positiveInt('refreshMs', options.refreshMs ?? 300_000);
  const minInterval = positiveInt('minRefetchIntervalMs', options.minRefetchIntervalMs ?? 1_000);
  const timeoutMs = positiveInt('fetchTimeoutMs', options.fetchTimeoutMs ?? 5_000);
  const maxBytes = positiveInt('maxResponseBytes', options.maxResponseBytes ?? 262_144);
  const onProblem = options.onProblem ?? ((): void => {});
  const href = parsed.href;

  let keys = new Map<string, KeyObject>();
  let inflight: Promise<boolean> | undefined;
  let lastFetchStart = Number.NEGATIVE_INFINITY;
  let trailing: NodeJS.Timeout | undefined;
  let trailingDone: Promise<boolean> | undefined;
  let settleTrailing: ((loaded: boolean) => void) | undefined;
  let closed = false;
  let fetchCount = 0;
  const aborter = new AbortController();

  async function fetchOnce(): Promise<boolean> {
    try {
      const res = await fetch(href, {
        signal: AbortSignal.any([aborter.signal, AbortSignal.timeout(timeoutMs)]),
        headers: { accept: 'application/json' },
      });
      if (!res.ok) {
        await res.body?.cancel();
        onProblem(`JWKS ${href}: HTTP ${res.status}`);
        return false;
      }
      const declared = Number(res.headers.get('content-length') ?? '0');
      if (declared > maxBytes) {
        await res.body?.cancel();
        onProblem(`JWKS ${href}: response larger than ${maxBytes} bytes`);
        return false;
      }
      const body = await res.arrayBuffer();
      if (body.byteLength > maxBytes) {
        onProblem(`JWKS ${href}: response larger than ${maxBytes} bytes`);
        return false;
      }
      const parsedSet = parseJwks(Buffer.from(body).toString('utf8'), false);
      for (const s of parsedSet.skipped) onProblem(`JWKS ${href}: skipped ${s}`);
      if (closed) return false;
      keys = parsedSet.keys;
      return true;
    } catch (err) {
      if (!closed) onProblem(`JWKS ${href}: ${(err as Error).name === 'TimeoutError' ? 'timed out' : (err as Error).message}`);
      return false;
    }
  }

  function startFetch(): Promise<boolean> {
    if (inflight !== undefined) return inflight;
    if (closed) return Promise.resolve(false);
    lastFetchStart = Date.now();
    fetchCount++;
    const p = fetchOnce().finally(() => {
      if (inflight === p) inflight = undefined;
    });
    inflight = p;
    return p;
  }

  /** One fetch at the end of the current interval, shared by every miss until then. */
  function trailingFetch(): Promise<boolean> {
    if (trailingDone !== undefined) return trailingDone;
    if (closed) return Promise.resolve(false);
    const wait = Math.max(0, lastFetchStart + minInterval - Date.now());
    trailingDone = new Promise<boolean>((resolve) => {
      settleTrailing = resolve;
      trailing = setTimeout(() => {
        trailing = undefined;
        trailingDone = undefined;
        settleTrailing = undefined;
        void startFetch().then(resolve);
      }, wait);
      trailing.unref();
    });
    return trailingDone;
  }

  const first = startFetch();
  const timer = setInterval(() => void startFetch(), refreshMs);
  timer.unref();

  return {
    key(kid: string): KeyObject | undefined | Promise<KeyObject | undefined> {
      if (closed) return undefined;
      const found = keys.get(kid);
      if (found !== undefined) return found;
      if (inflight !== undefined) return inflight.then(() => (closed ? undefined : keys.get(kid)));
      if (Date.now() - lastFetchStart >= minInterval) {
        return startFetch().then(() => (closed ? undefined : keys.get(kid)));
      }
      return trailingFetch().then(() => (closed ? undefined : keys.get(kid)));
    },
    ready: () => first,
    refresh: () => startFetch(),
    get fetchCount() {
      return fetchCount;
    },
    close(): void {
      if (closed) return;
      closed = true;
      clearInterval(timer);
      if (trailing !== undefined) clearTimeout(trailing);
      trailing = undefined;
      settleTrailing?.(false);
      settleTrailing = undefined;
      trailingDone = undefined;
      aborter.abort();
      keys = new Map();
    },
  };
}
