/**
 * Validation of TransportOptions, shared by both transports: checked once at construction, frozen, and a bad
 * value throws an Error whose message names the setting. Every field of TransportOptions is required (the relay's
 * settings table owns the defaults); the TLS files are checked for readability here so that a typo fails at
 * start-up, not at the first handshake.
 */
import { accessSync, constants as fsConstants } from 'node:fs';
import type { TlsOptions, TransportOptions } from './transport.types.js';

/** Largest value a Node timer accepts (setTimeout clamps anything above to 1 ms). */
const MAX_TIMER_MS = 2 ** 31 - 1;
/** Largest frame size: uWS reads it as a signed 32-bit integer. */
const MAX_PAYLOAD_BYTES = 2 ** 31 - 1;
/** Largest send-buffer cap (2 GiB, the relay's own maximum; the uWS transport applies 2 GiB - 1). */
const MAX_BACKPRESSURE_BYTES = 2 ** 31;

/** Default of TransportOptions.handshakeTimeoutMs: uWS's own (fixed) HTTP idle timeout. */
export const DEFAULT_HANDSHAKE_TIMEOUT_MS = 10_000;
/** Shortest handshake timeout: node:http checks its deadlines at most every 100 ms here. */
const MIN_HANDSHAKE_TIMEOUT_MS = 100;

/** TransportOptions after validation: frozen, and `tls` is either absent or two readable files. */
export type ResolvedTransportOptions = Readonly<TransportOptions>;

function fail(who: string, key: string, rule: string, value: unknown): never {
  let shown: string;
  try {
    shown = typeof value === 'string' ? JSON.stringify(value) : String(value);
  } catch {
    shown = typeof value;
  }
  throw new Error(`${who}: options.${key} must be ${rule} (got ${shown})`);
}

function int(who: string, key: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    fail(who, key, `an integer from ${min} to ${max}`, value);
  }
  return value;
}

function readableFile(who: string, key: string, value: unknown): string {
  if (typeof value !== 'string' || value.length === 0) fail(who, key, 'a non-empty file path', value);
  try {
    accessSync(value, fsConstants.R_OK);
  } catch {
    throw new Error(`${who}: options.${key} is not a readable file: ${JSON.stringify(value)}`);
  }
  return value;
}

/** Longest capFarewell: it is sent past the send-buffer cap. */
const MAX_FAREWELL_BYTES = 1024;

function farewell(who: string, value: unknown): Uint8Array {
  if (!(value instanceof Uint8Array) || value.byteLength === 0 || value.byteLength > MAX_FAREWELL_BYTES) {
    fail(who, 'capFarewell', `a Uint8Array of 1 to ${MAX_FAREWELL_BYTES} bytes`, value instanceof Uint8Array ? `${value.byteLength} bytes` : value);
  }
  return new Uint8Array(value);
}

/**
 * Validates and freezes transport options. `who` prefixes error messages (e.g. `createWsTransport`).
 * @throws Error naming the first bad setting.
 */
export function resolveTransportOptions(who: string, options: TransportOptions): ResolvedTransportOptions {
  if (typeof options !== 'object' || options === null) throw new Error(`${who}: options must be an object`);
  if (typeof options.host !== 'string' || options.host.length === 0) fail(who, 'host', 'a non-empty string', options.host);
  let tls: TlsOptions | undefined;
  if (options.tls !== undefined) {
    if (typeof options.tls !== 'object' || options.tls === null) fail(who, 'tls', 'an object with certFile and keyFile', options.tls);
    tls = Object.freeze({
      certFile: readableFile(who, 'tls.certFile', options.tls.certFile),
      keyFile: readableFile(who, 'tls.keyFile', options.tls.keyFile),
    });
  }
  const resolved: TransportOptions = {
    host: options.host,
    port: int(who, 'port', options.port, 0, 65535),
    maxPayloadBytes: int(who, 'maxPayloadBytes', options.maxPayloadBytes, 1, MAX_PAYLOAD_BYTES),
    maxBackpressureBytes: int(who, 'maxBackpressureBytes', options.maxBackpressureBytes, 1, MAX_BACKPRESSURE_BYTES),
    idleTimeoutSeconds: int(who, 'idleTimeoutSeconds', options.idleTimeoutSeconds, 0, 86_400),
    closeTimeoutMs: int(who, 'closeTimeoutMs', options.closeTimeoutMs, 1, MAX_TIMER_MS),
    // Only present when given, so that resolved options compare equal to the input (the default lives in
    // DEFAULT_HANDSHAKE_TIMEOUT_MS).
    ...(options.handshakeTimeoutMs !== undefined
      ? { handshakeTimeoutMs: int(who, 'handshakeTimeoutMs', options.handshakeTimeoutMs, MIN_HANDSHAKE_TIMEOUT_MS, MAX_TIMER_MS) }
      : {}),
    ...(options.capFarewell !== undefined ? { capFarewell: farewell(who, options.capFarewell) } : {}),
    ...(tls ? { tls } : {}),
    ...(options.reusePort !== undefined ? { reusePort: options.reusePort === true } : {}),
  };
  return Object.freeze(resolved);
}
