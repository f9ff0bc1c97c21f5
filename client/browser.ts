/**
 * The Ephemera client SDK, browser entry (`ephemera/client` under the `browser` condition): no Node built-ins and
 * no `ws`; connect() uses the global WebSocket unless options.WebSocket names another.
 */
export { connect, joinUrl, JoinRefusedError, type ConnectOptions } from './connect.js';
export { EphemeraClient, type ClientEvents, type WebSocketLike } from './client.js';
export { DocumentError, type DocumentErrorCode } from './documents.js';
export type { MediaFrameOptions } from './media.js';
export { PLAIN_PAYLOADS, type PayloadCodec } from './payload-codec.js';
export { decideClose, tokenRejoinBlocker, type CloseDecision, type ReconnectOptions } from './reconnect.js';
export { createSha256, sha256Of, toHex, type Sha256 } from './sha256.js';
export type * from './client.types.js';
