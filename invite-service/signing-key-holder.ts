/**
 * Holds the active signing key of the key folder and the JWKS to publish, and follows rotations written by
 * `ephemera keys rotate` (another process) by watching keyring.json. A reload that fails keeps the previous key.
 */
import type { KeyObject } from 'node:crypto';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { openKeyFolder, publishedJwks, readKeyFolder, rotateKeyFolder, type SigningKeys } from '../token/index.js';

export interface SigningKeyHolder {
  /** The key that signs now. */
  current(): { readonly kid: string; readonly privateKey: KeyObject };
  /** The JWKS document (JSON text) of the keys published now. */
  jwksJson(): string;
  /** Rotates in this process (tests and admin tooling); the CLI does the same from outside. */
  rotate(retainSeconds: number): string;
  /** Re-reads the folder now. */
  reload(): void;
  close(): void;
}

export function createSigningKeyHolder(
  dir: string,
  options: { reloadCheckIntervalMs: number; onProblem?: (message: string) => void; onRotated?: (kid: string) => void },
): SigningKeyHolder {
  let keys: SigningKeys = openKeyFolder(dir);
  const ringPath = join(dir, 'keyring.json');
  const onProblem = options.onProblem ?? ((): void => {});
  let jwksText = '';
  let jwksAt = 0;
  const stampOf = (): string => {
    try {
      const s = statSync(ringPath);
      return `${s.size}:${s.mtimeMs}:${s.ino}`;
    } catch {
      return 'missing';
    }
  };
  let stamp = stampOf();

  function adopt(next: SigningKeys): void {
    const rotated = next.kid !== keys.kid;
    keys = next;
    jwksAt = 0;
    if (rotated) options.onRotated?.(next.kid);
  }
  function check(): void {
    const now = stampOf();
    if (now === stamp) return;
    try {
      adopt(readKeyFolder(dir));
      stamp = now;
    } catch (err) {
      onProblem((err as Error).message);
    }
  }
  const timer = options.reloadCheckIntervalMs > 0 ? setInterval(check, options.reloadCheckIntervalMs) : undefined;
  timer?.unref();

  return {
    current: () => keys,
    jwksJson(): string {
      // Retired keys drop out as their publication ends, so the text is rebuilt at most once a second.
      const now = Date.now();
      if (now - jwksAt >= 1000) {
        jwksText = JSON.stringify(publishedJwks(keys.ring, Math.floor(now / 1000)));
        jwksAt = now;
      }
      return jwksText;
    },
    rotate(retainSeconds: number): string {
      adopt(rotateKeyFolder(dir, { retainSeconds }));
      stamp = stampOf();
      return keys.kid;
    },
    reload(): void {
      stamp = '';
      check();
    },
    close(): void {
      if (timer !== undefined) clearInterval(timer);
    },
  };
}
