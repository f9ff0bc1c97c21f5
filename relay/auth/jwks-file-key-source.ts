/** A key source backed by a JWKS file on disk (for example `<data dir>/keys/jwks.json`). */
import { readFileSync, statSync } from 'node:fs';
import type { KeyObject } from 'node:crypto';
import type { SyncKeySource } from './key-source.types.js';
import { parseJwks } from '../../token/jwks.js';

export interface JwksFileKeySourceOptions {
  /**
   * On an unknown kid the file is checked for changes (size, mtime) at most this often, and re-read when it changed,
   * so a key rotation written to the file is picked up without a restart. Default 1000 ms; 0 disables reloading.
   */
  readonly reloadCheckIntervalMs?: number;
}

/**
 * Reads the JWKS file at `path` now; throws an Error naming the path and the problem when the file is missing,
 * unreadable, not a JWKS, or holds a key that is not an ES256 P-256 public key with a kid. A later reload that finds
 * a bad file keeps the keys it had (a half-written file must not lock everyone out).
 */
export function createJwksFileKeySource(path: string, options: JwksFileKeySourceOptions = {}): SyncKeySource {
  const reloadEvery = options.reloadCheckIntervalMs ?? 1000;
  if (!Number.isInteger(reloadEvery) || reloadEvery < 0) {
    throw new Error(`createJwksFileKeySource: reloadCheckIntervalMs must be an integer >= 0, got ${String(reloadEvery)}`);
  }
  let keys = load(path);
  let stamp = fileStamp(path);
  let lastCheck = Date.now();
  let closed = false;

  return {
    key(kid: string): KeyObject | undefined {
      if (closed) return undefined;
      const found = keys.get(kid);
      if (found !== undefined || reloadEvery === 0) return found;
      const now = Date.now();
      if (now - lastCheck < reloadEvery) return undefined;
      lastCheck = now;
      const current = fileStamp(path);
      if (current !== stamp) {
        try {
          keys = load(path);
          stamp = current;
        } catch {
          // Keep the previous keys: the file may be mid-write; the next check retries.
        }
      }
      return keys.get(kid);
    },
    close(): void {
      closed = true;
      keys = new Map();
    },
  };
}

function load(path: string): Map<string, KeyObject> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'read error';
    throw new Error(`JWKS file ${path}: cannot be read (${code})`);
  }
  try {
    return parseJwks(text, true).keys;
  } catch (err) {
    throw new Error(`JWKS file ${path}: ${(err as Error).message}`);
  }
}

function fileStamp(path: string): string {
  try {
    const s = statSync(path);
    return `${s.size}:${s.mtimeMs}:${s.ino}`;
  } catch {
    return 'missing';
  }
}
