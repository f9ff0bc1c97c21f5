/**
 * The Ephemera client SDK, Node entry (`ephemera/client` in Node): the browser entry with connect() defaulting to
 * the `ws` package as its WebSocket constructor.
 */
import WebSocket from 'ws';
import { connect as connectWith, type ConnectOptions } from './connect.js';
import type { EphemeraClient, WebSocketLike } from './client.js';

export * from './browser.js';

/** Connects and resolves once welcomed; in Node the WebSocket constructor defaults to `ws`. */
export function connect(options: ConnectOptions): Promise<EphemeraClient> {
  if (options.WebSocket !== undefined) return connectWith(options);
  return connectWith({ ...options, WebSocket: WebSocket as unknown as new (url: string, protocols: string[]) => WebSocketLike });
}
