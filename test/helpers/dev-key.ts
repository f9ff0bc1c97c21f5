/** The development signing key of a harness's data folder, for tests that forge variants of good tokens. */
import { loadOrCreateDevKeys } from '../../token/index.js';

export function devKey(dataDir: string): { privateKey: import('node:crypto').KeyObject; kid: string } {
  const k = loadOrCreateDevKeys(dataDir);
  return { privateKey: k.privateKey, kid: k.kid };
}
