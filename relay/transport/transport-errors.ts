/**
 * Errors the transports throw or reject with carry a string code in `err.code` (the messages name the setting,
 * address or library concerned; never content or tokens).
 */

/** RELAY_ERR_UWS_NOT_NATIVE: uWebSockets.js runs on its JS fallback. RELAY_ERR_LISTEN: listen() failed. */
export type TransportErrorCode = 'RELAY_ERR_UWS_NOT_NATIVE' | 'RELAY_ERR_LISTEN';

/** An Error with a transport error code. */
export type TransportError = Error & { readonly code: TransportErrorCode };

/** Builds an Error with a transport error code. */
export function transportError(code: TransportErrorCode, message: string, cause?: unknown): TransportError {
  const err = cause === undefined ? new Error(message) : new Error(message, { cause });
  return Object.assign(err, { code });
}
