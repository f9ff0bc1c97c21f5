/**
 * The relay's WebSocket transports: uWebSockets.js (`uws`, the fast one) and `ws` (portable), behind the
 * interface of transport.types.ts. See README.md for what each does about corking, backpressure, oversize frames
 * and the close codes the core sees.
 */
import type { Transport, TransportHandlers, TransportOptions } from './transport.types.js';
import { createUwsTransport } from './uws-transport.js';
import { createWsTransport } from './ws-transport.js';

export type {
  Connection,
  HttpAnswer,
  HttpRequest,
  TlsOptions,
  Transport,
  TransportFactory,
  TransportHandlers,
  TransportOptions,
  UpgradeDecision,
  UpgradeRequest,
} from './transport.types.js';
export type { TransportError, TransportErrorCode } from './transport-errors.js';
export { createUwsTransport, uwsCloseMarginMs, uwsIdleTimeout } from './uws-transport.js';
export { createWsTransport } from './ws-transport.js';
export { uwsIsNative } from './uws-loader.js';
export { zeroBytes } from './zero-bytes.js';
export { DEFAULT_HANDSHAKE_TIMEOUT_MS } from './transport-options.js';

/** The transport names the relay accepts (`--transport`). */
export type TransportName = 'uws' | 'ws';

/**
 * Creates the named transport.
 * @throws Error with code RELAY_ERR_UWS_NOT_NATIVE for 'uws' when uWebSockets.js runs on its JS fallback;
 *   Error naming the setting for bad options or an unknown name.
 */
export function createTransport<C>(name: TransportName, options: TransportOptions, handlers: TransportHandlers<C>): Transport {
  if (name === 'uws') return createUwsTransport(options, handlers);
  if (name === 'ws') return createWsTransport(options, handlers);
  throw new Error(`createTransport: unknown transport ${JSON.stringify(name)} (expected "uws" or "ws")`);
}
