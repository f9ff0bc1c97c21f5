/**
 * Token verification for the relay: the verified claims, key sources, the verifier, the replay store. The token
 * contract itself (claims, minting, key folder, JWKS, development keys) lives in token/ and is re-exported here
 * for the relay's callers; the invite service imports it from token/ directly, never from relay/.
 */
export * from '../../token/index.js';
export * from './claims.types.js';
export type { KeySource, SyncKeySource } from './key-source.types.js';
export { createJwksFileKeySource, type JwksFileKeySourceOptions } from './jwks-file-key-source.js';
export { createJwksUrlKeySource, type JwksUrlKeySource, type JwksUrlKeySourceOptions } from './jwks-url-key-source.js';
export { createTokenVerifier, type TokenVerifierOptions } from './token-verifier.js';
export { createMemoryReplayStore, type ClaimOutcome, type ReplayStore, type MemoryReplayStoreOptions } from './replay-store.js';
