/** The invite service's error registry: every refusal has a code, an HTTP status and a sentence. */

export const InviteErrors = {
  INVITE_ERR_BAD_REQUEST: { status: 400, message: 'The request does not match the schema.' },
  INVITE_ERR_MALFORMED_JSON: { status: 400, message: 'The request body is not valid JSON.' },
  INVITE_ERR_UNAUTHORIZED: { status: 401, message: 'A valid host API key is required: Authorization: Bearer eph_<key id>_<secret>.' },
  INVITE_ERR_MEETING_NOT_FOUND: { status: 404, message: 'No meeting with that id belongs to this host (it may have expired).' },
  INVITE_ERR_NOT_FOUND: { status: 404, message: 'No such endpoint; see /openapi.json.' },
  INVITE_ERR_BODY_TOO_LARGE: { status: 413, message: 'The request body is larger than the service accepts.' },
  INVITE_ERR_UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'Send the request body as application/json.' },
  INVITE_ERR_RATE_LIMITED: { status: 429, message: 'Too many requests; retry after the time in Retry-After.' },
  INVITE_ERR_TOO_MANY_MEETINGS: { status: 503, message: 'The service holds as many meetings as it may; retry later.' },
  INVITE_ERR_INTERNAL: { status: 500, message: 'The invite service hit an internal error.' },
} as const satisfies Record<string, { status: number; message: string }>;

export type InviteErrorCode = keyof typeof InviteErrors;

/** An error the service answers with its registered status and a JSON body `{ statusCode, code, error, message }`. */
export class InviteError extends Error {
  readonly code: InviteErrorCode;
  readonly statusCode: number;
  constructor(code: InviteErrorCode, message: string = InviteErrors[code].message) {
    super(message);
    this.name = 'InviteError';
    this.code = code;
    this.statusCode = InviteErrors[code].status;
  }
}

/** The metric label for a refusal (bounded set). */
export function refusalReason(code: InviteErrorCode): string {
  return code.slice('INVITE_ERR_'.length).toLowerCase();
}
