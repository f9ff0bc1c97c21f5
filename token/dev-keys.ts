/** The development signing key: the key folder `<data dir>/keys`, created on first run. */
import type { KeyObject } from 'node:crypto';
import { join } from 'node:path';
import { openKeyFolder } from './key-folder.js';
import type { PublicJwks } from './jwks.js';

export interface DevKeys {
  readonly privateKey: KeyObject;
  readonly publicJwks: PublicJwks;
  readonly kid: string;
  /** `<data dir>/keys/jwks.json`: point the relay's JWKS file setting here. */
  readonly jwksPath: string;
}

/**
 * Loads the signing key of `<dataDir>/keys/`, generating an ES256 key pair there on first run (private key PEM mode
 * 0600, jwks.json with the public key). It is the same folder the invite service signs with by default, so tokens
 * from `ephemera token` and from the service verify against the same JWKS.
 */
export function loadOrCreateDevKeys(dataDir: string): DevKeys {
  const k = openKeyFolder(join(dataDir, 'keys'));
  return Object.freeze({ privateKey: k.privateKey, publicJwks: k.publicJwks, kid: k.kid, jwksPath: k.jwksPath });
}
