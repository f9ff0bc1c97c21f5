/**
 * Loads uWebSockets.js (CommonJS) once, on first use, so a relay running `--transport ws` never loads it.
 *
 * The package silently falls back to a slow JavaScript emulation when its native binary does not load (wrong
 * Node ABI, platform or libc; or UWS_USE_FALLBACK set): it only prints a warning. The native module exports
 * SSLApp, getString and friends; the fallback exports only App, us_listen_socket_close, us_socket_local_port and
 * _cfg. The relay must never run on the fallback unknowingly, hence `uwsIsNative()`.
 */
import { createRequire } from 'node:module';
import type * as UwsModule from '@trufflesuite/uws-js-unofficial';
import { transportError, type TransportError } from './transport-errors.js';

/** The uWebSockets.js module as its type declarations describe it. */
export type Uws = typeof UwsModule;

const require = createRequire(import.meta.url);
let cached: Uws | undefined;

/** The uWebSockets.js module (native or fallback), loaded on the first call. */
export function loadUws(): Uws {
  if (cached === undefined) cached = require('@trufflesuite/uws-js-unofficial') as Uws;
  return cached;
}

/** True when uWebSockets.js loaded its native binary (not the package's JavaScript fallback). */
export function uwsIsNative(): boolean {
  const uws = loadUws() as Partial<Record<string, unknown>>;
  return typeof uws.SSLApp === 'function' && typeof uws.getString === 'function' && typeof uws.App === 'function';
}

/** The error createUwsTransport throws when the native binary did not load. */
export function uwsNotNativeError(): TransportError {
  return transportError(
    'RELAY_ERR_UWS_NOT_NATIVE',
    'uWebSockets.js native binary did not load; use --transport ws ' +
      `(the package fell back to its slow JavaScript emulation on Node ${process.version}, ` +
      `ABI ${process.versions.modules}, ${process.platform}-${process.arch})`,
  );
}
