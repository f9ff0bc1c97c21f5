/**
 * The join-token contract, in a module of its own so that the relay (which verifies tokens) and the invite
 * service (which mints them) both depend on it and never on each other: claims, minting, token ids, the signing
 * key folder and its JWKS, the development keys. Depends on node:crypto and node:fs only.
 */
export * from './claims.js';
export { mintJoinToken, type JoinTokenClaims } from './mint-token.js';
export { randomId } from './random-id.js';
export { loadOrCreateDevKeys, type DevKeys } from './dev-keys.js';
export {
  openKeyFolder,
  readKeyFolder,
  rotateKeyFolder,
  publishedJwks,
  type KeyRing,
  type KeyRingEntry,
  type SigningKeys,
  type RotateOptions,
} from './key-folder.js';
export { parseJwks, publicJwkOf, jwkThumbprint, type EcPublicJwk, type PublicJwks } from './jwks.js';
