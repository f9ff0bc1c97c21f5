/**
 * Checks `Authorization: Bearer eph_...` against the hosts file. Unknown key ids, malformed keys, wrong secrets and
 * revoked keys all cost one scrypt run (a dummy hash stands in when there is no record) and one constant-time
 * compare, so timing does not tell an attacker which ids exist. A key that passed is remembered for `cacheTtlMs` by
 * the SHA-256 of the key (never the key itself), so a busy host pays for scrypt once a minute, not per request.
 */
import { createHash, randomBytes } from 'node:crypto';
import { statSync } from 'node:fs';
import { DEFAULT_SCRYPT, hashSecretSync, parseApiKey, parseHash, readHostsFile, verifySecret, type HostRecord } from './host-keys.js';

export interface HostIdentity {
  readonly id: string;
  readonly name: string;
}

export type AuthFailure = 'missing' | 'malformed' | 'unknown' | 'wrong' | 'revoked';
export type AuthResult = { ok: true; host: HostIdentity } | { ok: false; reason: AuthFailure };

export interface HostAuthenticatorOptions {
  readonly hostsFile: string;
  /** The hosts file is checked for changes this often (revocations apply within it). Default 1000 ms. */
  readonly reloadCheckIntervalMs?: number;
  /** A verified key is trusted without scrypt for this long. Default 60000 ms. */
  readonly cacheTtlMs?: number;
  /** At most this many verified keys are remembered. Default 10000. */
  readonly cacheMax?: number;
  /** Told when a reload fails (the previous hosts stay in force). */
  readonly onProblem?: (message: string) => void;
}

export interface HostAuthenticator {
  /** Synchronous for a missing header and for a key verified recently (the hot path); a promise otherwise. */
  authenticate(authorization: string | undefined): AuthResult | Promise<AuthResult>;
  /** Re-reads the hosts file now (and forgets cached keys). */
  reload(): void;
  close(): void;
}

const MAX_HEADER = 256;
const MISSING: AuthResult = Object.freeze({ ok: false, reason: 'missing' });

/** Creates an authenticator; throws when the hosts file exists but is bad. */
export function createHostAuthenticator(options: HostAuthenticatorOptions): HostAuthenticator {
  const path = options.hostsFile;
  const interval = options.reloadCheckIntervalMs ?? 1000;
  const cacheTtl = options.cacheTtlMs ?? 60_000;
  const cacheMax = options.cacheMax ?? 10_000;
  const onProblem = options.onProblem ?? ((): void => {});
  for (const [name, v] of [['reloadCheckIntervalMs', interval], ['cacheTtlMs', cacheTtl], ['cacheMax', cacheMax]] as const) {
    if (!Number.isInteger(v) || v < 0) throw new Error(`createHostAuthenticator: ${name} must be an integer >= 0, got ${String(v)}`);
  }
  let hosts = new Map<string, HostRecord>();
  let stamp = '';
  const cache = new Map<string, { host: HostIdentity; result: AuthResult; until: number }>();
  // Stands in for the stored hash when the key id is unknown, so that path costs one scrypt run too.
  const parsedDummy = parseHash(hashSecretSync(randomBytes(32).toString('base64url'), DEFAULT_SCRYPT));
  if (parsedDummy === undefined) throw new Error('createHostAuthenticator: cannot build the dummy hash');
  const dummy: NonNullable<typeof parsedDummy> = parsedDummy;

  function fileStamp(): string {
    try {
      const s = statSync(path);
      return `${s.size}:${s.mtimeMs}:${s.ino}`;
    } catch {
      return 'missing';
    }
  }
  function load(): void {
    const file = readHostsFile(path);
    hosts = new Map(file.hosts.map((h) => [h.id, h]));
    cache.clear();
  }
  stamp = fileStamp();
  load();
  const timer =
    interval > 0
      ? setInterval(() => {
          const now = fileStamp();
          if (now === stamp) return;
          try {
            load();
            stamp = now;
          } catch (err) {
            onProblem((err as Error).message);
          }
        }, interval)
      : undefined;
  timer?.unref();

  async function check(parsed: { id: string; secret: string } | undefined, key: string, digest: string): Promise<AuthResult> {
    const record = parsed === undefined ? undefined : hosts.get(parsed.id);
    const stored = record === undefined ? undefined : parseHash(record.hash);
    // Same work on every path: scrypt against the record's hash or the dummy, then a constant-time compare.
    const match = await verifySecret(parsed?.secret ?? key, stored ?? dummy);
    if (parsed === undefined) return { ok: false, reason: 'malformed' };
    if (record === undefined || stored === undefined) return { ok: false, reason: 'unknown' };
    if (!match) return { ok: false, reason: 'wrong' };
    if (record.revokedAt !== undefined) return { ok: false, reason: 'revoked' };
    const host: HostIdentity = Object.freeze({ id: record.id, name: record.name });
    const result: AuthResult = Object.freeze({ ok: true, host });
    if (cacheTtl > 0) {
      if (cache.size >= cacheMax) cache.delete(cache.keys().next().value as string);
      cache.set(digest, { host, result, until: Date.now() + cacheTtl });
    }
    return result;
  }

  return {
    authenticate(authorization: string | undefined): AuthResult | Promise<AuthResult> {
      if (authorization === undefined || authorization === '') return MISSING;
      const raw = authorization.length <= MAX_HEADER ? authorization : authorization.slice(0, MAX_HEADER);
      const m = /^Bearer +(\S+)\s*$/i.exec(raw);
      const key = m?.[1] ?? raw;
      const digest = createHash('sha256').update(key).digest('base64url');
      const hit = cache.get(digest);
      if (hit !== undefined) {
        if (hit.until > Date.now() && hosts.get(hit.host.id)?.revokedAt === undefined) return hit.result;
        cache.delete(digest);
      }
      return check(m === null ? undefined : parseApiKey(key), key, digest);
    },
    reload(): void {
      stamp = fileStamp();
      load();
    },
    close(): void {
      if (timer !== undefined) clearInterval(timer);
      cache.clear();
    },
  };
}
