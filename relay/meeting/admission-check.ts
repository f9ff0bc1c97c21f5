/**
 * The admission pre-check, `GET /v1/meetings/<meeting id>/admission` on the WebSocket port with the token in
 * `Authorization: Bearer <token>`: would a join be admitted now? A browser's WebSocket cannot read the refusal of
 * an upgrade (it only sees 1006), so the web client asks this after a failed connection and shows the reason.
 * This module owns the HTTP side (path, method, token header, CORS); the admission itself is the switchboard's,
 * the very function the upgrade runs, so that the two cannot drift. The token is never logged or echoed.
 */
import { ErrorCodes, type ErrorCode } from '../../protocol/index.js';
import type { HttpAnswer, HttpRequest } from '../transport/transport.types.js';
import type { ParsedJoin } from './admission.js';

/** `/v1/meetings/<meeting id>/admission`, the meeting id as the join path accepts it. */
export const ADMISSION_PATH = /^\/v1\/meetings\/([A-Za-z0-9_-]{1,128})\/admission\/?$/;

const BEARER = /^Bearer[ \t]+(\S+)[ \t]*$/i;
/** How long a browser may reuse a preflight answer, seconds. */
const PREFLIGHT_MAX_AGE_S = '600';

/** The meeting id of an admission-check path, or null. */
export function admissionMeetingId(path: string): string | null {
  const m = ADMISSION_PATH.exec(path);
  return m === null ? null : m[1]!;
}

/** The token of an `Authorization: Bearer` header, or '' (never anything derived from it beyond the string). */
export function bearerToken(headers: Readonly<Record<string, string>>): string {
  const value = headers.authorization;
  if (value === undefined) return '';
  const m = BEARER.exec(value);
  return m === null ? '' : m[1]!;
}

/** Parses an admission check like parseJoin parses an upgrade: the meeting id and the token, or the refusal. */
export function parseCheck(meetingId: string, req: HttpRequest): ParsedJoin | ErrorCode {
  const token = bearerToken(req.headers);
  if (token.length === 0) return 'RELAY_ERR_TOKEN_MISSING';
  return { meetingId, token };
}

/**
 * The CORS headers for a request's Origin, or null when the origin is refused (the upgrade's rule: with an
 * allowlist, only its origins; an empty list allows any origin, which is then reflected).
 */
export function corsHeaders(origin: string | undefined, allowedOrigins: readonly string[]): Record<string, string> | null {
  const base: Record<string, string> = { Vary: 'Origin', 'Cache-Control': 'no-store' };
  if (origin === undefined) return base;
  if (allowedOrigins.length > 0 && !allowedOrigins.includes(origin)) return null;
  base['Access-Control-Allow-Origin'] = origin;
  return base;
}

/** A refusal as the upgrade gives it (status and `{"error","message"}`), with the given headers. */
export function codeAnswer(code: ErrorCode, headers: Readonly<Record<string, string>>): HttpAnswer {
  const spec = ErrorCodes[code];
  return { status: spec.http, headers, body: { error: code, message: spec.message } };
}

/** What the switchboard supplies: its admission (never opening a session, never claiming a jti) and its audit. */
export interface AdmissionCheckDeps {
  /** The upgrade's admission for a parsed check: null when a join would be admitted now, else its refusal. */
  admit(parsed: ParsedJoin | ErrorCode, req: HttpRequest): ErrorCode | null | Promise<ErrorCode | null>;
  /** Audits a refused check (never with the token). */
  refused(req: HttpRequest, code: ErrorCode): void;
}

function isPromise<T>(v: T | Promise<T>): v is Promise<T> {
  return typeof (v as { then?: unknown } | null)?.then === 'function';
}

/**
 * Answers a plain request on the WebSocket port when it is an admission check (null otherwise: the transport
 * then answers 426 as before). 200 `{"ok":true}` when a join would be admitted now; otherwise exactly the status
 * and body of the upgrade's refusal. Synchronous unless the verification had to wait.
 */
export function answerAdmissionCheck(req: HttpRequest, allowedOrigins: readonly string[], deps: AdmissionCheckDeps): HttpAnswer | null | Promise<HttpAnswer> {
  const meetingId = admissionMeetingId(req.path);
  if (meetingId === null) return null;
  const cors = corsHeaders(req.headers.origin, allowedOrigins);
  if (req.method === 'OPTIONS') {
    // A preflight carries no token: nothing to admit or audit; a refused origin gets the upgrade's 403.
    if (cors === null) return codeAnswer('RELAY_ERR_ORIGIN', { Vary: 'Origin', 'Cache-Control': 'no-store' });
    const headers: Record<string, string> = { ...cors };
    if (cors['Access-Control-Allow-Origin'] !== undefined) {
      headers['Access-Control-Allow-Methods'] = 'GET';
      headers['Access-Control-Allow-Headers'] = 'Authorization';
      headers['Access-Control-Max-Age'] = PREFLIGHT_MAX_AGE_S;
    }
    headers.Allow = 'GET, OPTIONS';
    return { status: 204, headers, body: null };
  }
  const headers = cors ?? { Vary: 'Origin', 'Cache-Control': 'no-store' };
  if (req.method !== 'GET') return codeAnswer('RELAY_ERR_METHOD_NOT_ALLOWED', { ...headers, Allow: 'GET, OPTIONS' });
  const verdict = deps.admit(parseCheck(meetingId, req), req);
  const answer = (code: ErrorCode | null): HttpAnswer => {
    if (code === null) return { status: 200, headers, body: { ok: true } };
    deps.refused(req, code);
    return codeAnswer(code, headers);
  };
  return isPromise(verdict) ? verdict.then(answer) : answer(verdict);
}
