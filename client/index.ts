/** The Ephemera client SDK (Node and browsers). */
export { connect, joinUrl, JoinRefusedError, type ConnectOptions } from './connect.js';
export { EphemeraClient, type ClientEvents, type WebSocketLike } from './client.js';
export { DocumentError, type DocumentErrorCode } from './documents.js';
export type { MediaFrameOptions } from './media.js';
export { createSha256, sha256Of, toHex, type Sha256 } from './sha256.js';
export type * from './client.types.js';
