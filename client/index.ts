/** The Ephemera client SDK (Node and browsers). */
export { connect, joinUrl, JoinRefusedError, type ConnectOptions } from './connect.js';
export { EphemeraClient, type ClientEvents, type WebSocketLike } from './client.js';
export type * from './client.types.js';
