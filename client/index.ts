/**
 * The Ephemera client SDK, Node entry (`ephemera/client` in Node): the browser entry with connect() defaulting to
 * the `ws` package as its WebSocket constructor, and document hashes on node:crypto.
 */
import { createHash } from 'node:crypto';
import WebSocket from 'ws';
import { connect as connectWith, type ConnectOptions } from './connect.js';
import type { EphemeraClient, WebSocketLike } from './client.js';
import { useSha256 } from './sha256.js';

useSha256(() => {
  const hash = createHash('sha256');
  return { update: (bytes) => void hash.update(bytes), digest: () => new Uint8Array(hash.digest()) };
});

export * from './browser.js';

/** Connects and resolves once welcomed; in Node the WebSocket constructor defaults to `ws`. */
export function connect(options: ConnectOptions): Promise<EphemeraClient> {
  if (options.WebSocket !== undefined) return connectWith(options);
  return connectWith({ ...options, WebSocket: WebSocket as unknown as new (url: string, protocols: string[]) => WebSocketLike });
}
