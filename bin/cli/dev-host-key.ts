/**
 * The development host API key `npm start` creates on first run, so that `ephemera demo` can create meetings
 * through the invite service over HTTP. Development only: the key's plaintext sits in `<dataDir>/dev-host-api-key`
 * (mode 0600); the service itself stores only its scrypt hash.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { addHost } from '../../invite-service/index.js';

export function devHostKeyPath(dataDir: string): string {
  return join(dataDir, 'dev-host-api-key');
}

/** Returns the development host API key, creating it (and its host record) on first use. */
export function ensureDevHostKey(dataDir: string, hostsFile: string): string {
  const path = devHostKeyPath(dataDir);
  if (existsSync(path)) return readFileSync(path, 'utf8').trim();
  const { apiKey } = addHost(hostsFile, `dev-host-${Date.now()}`);
  writeFileSync(path, apiKey + '\n', { mode: 0o600 });
  return apiKey;
}

export function readDevHostKey(dataDir: string): string | undefined {
  const path = devHostKeyPath(dataDir);
  return existsSync(path) ? readFileSync(path, 'utf8').trim() : undefined;
}
