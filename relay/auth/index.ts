/** Token verification and signing for Ephemera: claims, key sources, the verifier, the replay store, keys. */
export * from './claims.types.js';
export type { KeySource, SyncKeySource } from './key-source.types.js';
export { createJwksFileKeySource, type JwksFileKeySourceOptions } from './jwks-file-key-source.js';
export { createJwksUrlKeySource, type JwksUrlKeySource, type JwksUrlKeySourceOptions } from './jwks-url-key-source.js';
export { createTokenVerifier, type TokenVerifierOptions } from './token-verifier.js';
export { createMemoryReplayStore, type ReplayStore, type MemoryReplayStoreOptions } from './replay-store.js';
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

/** The issuer the invite service (and `ephemera token`) put in tokens, and the relay expects, by default. */
export const DEFAULT_ISSUER = 'ephemera-invite';
/** The audience of join tokens by default. */
export const DEFAULT_AUDIENCE = 'ephemera-relay';

/** Capabilities a role gets when none are given: hosts and presenters everything, attendees all but screen. */
export const DEFAULT_CAPABILITIES = Object.freeze({
  host: Object.freeze(['chat', 'poll', 'document', 'audio', 'video', 'screen'] as const),
  presenter: Object.freeze(['chat', 'poll', 'document', 'audio', 'video', 'screen'] as const),
  attendee: Object.freeze(['chat', 'poll', 'document', 'audio', 'video'] as const),
});
