/**
 * HTTP answers a transport writes itself, before any WebSocket exists: the core's refusals (status + JSON body)
 * and the few refusals the transport makes on its own (internal error, not accepting, not a WebSocket request).
 * Bodies never carry exception text, tokens or content.
 */
import { STATUS_CODES } from 'node:http';
import { ErrorCodes } from '../../protocol/codes.js';

/** A refusal as the transports write it. */
export interface Refusal {
  readonly status: number;
  readonly body: Readonly<Record<string, unknown>>;
}

/** The refusal of an error code of protocol/codes.ts: its HTTP status and `{"error", "message"}`. */
function codeRefusal(code: 'RELAY_ERR_INTERNAL' | 'RELAY_ERR_NOT_READY' | 'RELAY_ERR_UPGRADE_REQUIRED'): Refusal {
  const spec = ErrorCodes[code];
  return Object.freeze({ status: spec.http, body: Object.freeze({ error: code, message: spec.message }) });
}

/** The upgrade handler threw or its promise rejected. */
export const INTERNAL_REFUSAL: Refusal = codeRefusal('RELAY_ERR_INTERNAL');

/** An upgrade arrived while the transport is closing (drain) or closed (e.g. on a kept-alive HTTP connection). */
export const NOT_READY_REFUSAL: Refusal = codeRefusal('RELAY_ERR_NOT_READY');

/** A plain HTTP request (not a WebSocket upgrade) reached the WebSocket port. */
export const UPGRADE_REQUIRED_REFUSAL: Refusal = codeRefusal('RELAY_ERR_UPGRADE_REQUIRED');

/**
 * Largest HTTP request head (request line and headers) either transport reads: uWS.js 20.30's own fixed limit
 * (its fallback buffer, measured: 125 000 bytes of token pass, 131 000 do not). The ws transport applies the same
 * bound as node:http's maxHeaderSize; a larger head gets no answer on either (the connection is dropped).
 */
export const MAX_REQUEST_HEAD_BYTES = 128 * 1024;

/** A refusal status is an HTTP error status; anything else the core returns is a bug and becomes 500. */
export function refusalStatus(status: number): number {
  return Number.isInteger(status) && status >= 400 && status <= 599 ? status : 500;
}

/** `403 Forbidden`: the status line after the HTTP version, with its standard text. */
export function statusLine(status: number): string {
  return `${status} ${STATUS_CODES[status] ?? 'Error'}`;
}

/** The JSON text of a refusal body; a body that cannot be serialised (cycle, BigInt) becomes the internal one. */
export function refusalJson(body: Readonly<Record<string, unknown>>): string {
  try {
    const text = JSON.stringify(body);
    if (typeof text === 'string') return text;
  } catch {
    // fall through: the core handed over something JSON cannot hold
  }
  return JSON.stringify(INTERNAL_REFUSAL.body);
}

/** A complete HTTP/1.1 response for a raw socket (the `ws` transport writes it before destroying the socket). */
export function rawHttpResponse(status: number, json: string): string {
  return (
    `HTTP/1.1 ${statusLine(status)}\r\n` +
    'Connection: close\r\n' +
    'Content-Type: application/json\r\n' +
    `Content-Length: ${Buffer.byteLength(json)}\r\n` +
    '\r\n' +
    json
  );
}

/** The core's answer to a plain request, with a status kept in 200..599 and a body that serialises (or none). */
export function answerParts(answer: { readonly status: number; readonly body: Readonly<Record<string, unknown>> | null }): { status: number; json: string | null } {
  const ok = Number.isInteger(answer.status) && answer.status >= 200 && answer.status <= 599;
  return { status: ok ? answer.status : 500, json: answer.body === null ? null : refusalJson(answer.body) };
}
