/**
 * Host API keys: `eph_<key id>_<secret>`, where the key id (16 hex digits) names the record and the secret
 * (32 random bytes, base64url) is shown once and stored only as a scrypt hash. The hosts file
 * (`<data dir>/hosts.json`, mode 0600) holds ids, names, times and hashes; `ephemera keys add-host`,
 * `revoke-host` and `list` edit it, and a running service reloads it within a second.
 */
import { randomBytes, scrypt, scryptSync, timingSafeEqual } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** scrypt cost parameters, recorded in every hash so they can change later. */
export interface ScryptParams {
  readonly N: number;
  readonly r: number;
  readonly p: number;
}

/** Node's default cost (N = 2^14, r = 8, p = 1): about 16 MiB and tens of milliseconds per check. */
export const DEFAULT_SCRYPT: ScryptParams = Object.freeze({ N: 16384, r: 8, p: 1 });

export interface HostRecord {
  readonly id: string;
  readonly name: string;
  /** ISO 8601. */
  readonly createdAt: string;
  readonly revokedAt?: string;
  /** `scrypt$N$r$p$<salt>$<hash>`, base64url. */
  readonly hash: string;
}

export interface HostsFile {
  readonly version: 1;
  readonly hosts: readonly HostRecord[];
}

const KEY_SHAPE = /^eph_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;
const NAME_SHAPE = /^[A-Za-z0-9][A-Za-z0-9 ._@-]{0,63}$/;
const HASH_BYTES = 32;

/** Splits an API key into id and secret, or undefined when it does not have the key shape. */
export function parseApiKey(key: string): { id: string; secret: string } | undefined {
  const m = KEY_SHAPE.exec(key);
  return m === null ? undefined : { id: m[1] as string, secret: m[2] as string };
}

function maxmem(p: ScryptParams): number {
  return 256 * p.N * p.r + 1024 * 1024;
}

/** Hashes `secret` with a fresh salt (synchronous: for the CLI and start-up). */
export function hashSecretSync(secret: string, params: ScryptParams = DEFAULT_SCRYPT): string {
  const salt = randomBytes(16);
  const out = scryptSync(secret, salt, HASH_BYTES, { ...params, maxmem: maxmem(params) });
  return `scrypt$${params.N}$${params.r}$${params.p}$${salt.toString('base64url')}$${out.toString('base64url')}`;
}

interface ParsedHash {
  readonly params: ScryptParams;
  readonly salt: Buffer;
  readonly hash: Buffer;
}

/** Parses a stored hash; undefined when it is not one this code wrote. */
export function parseHash(stored: string): ParsedHash | undefined {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return undefined;
  const [N, r, p] = [Number(parts[1]), Number(parts[2]), Number(parts[3])];
  if (![N, r, p].every((n) => Number.isInteger(n) && n > 0) || N > 1 << 20 || r > 32 || p > 16) return undefined;
  const salt = Buffer.from(parts[4] ?? '', 'base64url');
  const hash = Buffer.from(parts[5] ?? '', 'base64url');
  if (salt.length < 16 || hash.length !== HASH_BYTES) return undefined;
  return { params: { N, r, p }, salt, hash };
}

/** Runs scrypt on the thread pool and compares in constant time. */
export function verifySecret(secret: string, stored: ParsedHash): Promise<boolean> {
  return new Promise((resolve) => {
    scrypt(secret, stored.salt, HASH_BYTES, { ...stored.params, maxmem: maxmem(stored.params) }, (err, out) => {
      resolve(err === null && timingSafeEqual(out, stored.hash));
    });
  });
}

/** Reads the hosts file; a missing file is an empty list. Throws naming the path when it is unreadable or bad. */
export function readHostsFile(path: string): HostsFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, hosts: [] };
    throw new Error(`hosts file ${path}: cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new Error(`hosts file ${path}: is not valid JSON`);
  }
  const f = doc as Partial<HostsFile> | null;
  if (typeof f !== 'object' || f === null || f.version !== 1 || !Array.isArray(f.hosts)) {
    throw new Error(`hosts file ${path}: is not a version 1 hosts file ({version: 1, hosts: [...]})`);
  }
  for (const h of f.hosts) {
    if (typeof h?.id !== 'string' || typeof h.name !== 'string' || typeof h.hash !== 'string' || parseHash(h.hash) === undefined) {
      throw new Error(`hosts file ${path}: entry ${JSON.stringify(h?.id ?? null)} is malformed`);
    }
  }
  return f as HostsFile;
}

function writeHostsFile(path: string, file: HostsFile): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  writeFileSync(tmp, JSON.stringify(file, null, 2) + '\n', { mode: 0o600, flag: 'wx' });
  chmodSync(tmp, 0o600);
  renameSync(tmp, path);
}

/** Adds a host and returns its API key, which exists nowhere else: print it once. */
export function addHost(path: string, name: string, params: ScryptParams = DEFAULT_SCRYPT): { id: string; name: string; apiKey: string } {
  if (!NAME_SHAPE.test(name)) {
    throw new Error('host name must be 1-64 characters: letters, digits, space, dot, underscore, @ or dash, starting with a letter or digit');
  }
  const file = readHostsFile(path);
  if (file.hosts.some((h) => h.name === name && h.revokedAt === undefined)) throw new Error(`a host named ${JSON.stringify(name)} already exists`);
  let id: string;
  do id = randomBytes(8).toString('hex');
  while (file.hosts.some((h) => h.id === id));
  const secret = randomBytes(32).toString('base64url');
  const record: HostRecord = { id, name, createdAt: new Date().toISOString(), hash: hashSecretSync(secret, params) };
  writeHostsFile(path, { version: 1, hosts: [...file.hosts, record] });
  return { id, name, apiKey: `eph_${id}_${secret}` };
}

/** Revokes the active host with this id or name. Returns the record, or undefined when there is none. */
export function revokeHost(path: string, idOrName: string): HostRecord | undefined {
  const file = readHostsFile(path);
  const target = file.hosts.find((h) => h.revokedAt === undefined && (h.id === idOrName || h.name === idOrName));
  if (target === undefined) return undefined;
  const revoked: HostRecord = { ...target, revokedAt: new Date().toISOString() };
  writeHostsFile(path, { version: 1, hosts: file.hosts.map((h) => (h === target ? revoked : h)) });
  return revoked;
}

/** The hosts without their hashes. */
export function listHosts(path: string): Array<Omit<HostRecord, 'hash'>> {
  return readHostsFile(path).hosts.map(({ hash: _hash, ...rest }) => rest);
}
