/**
 * Why a join failed, asked of the relay itself. A browser's WebSocket cannot read the relay's refusal of an
 * upgrade (it only sees a failed connection, 1006), so after a failed connection the page asks the relay's
 * admission pre-check, `GET /v1/meetings/<id>/admission` on the same host and port, with the token in the
 * Authorization header (never in a URL). The check never joins and never uses up a single-use invitation.
 */

/** What the relay says of a join now. */
export type AdmissionVerdict =
  | { readonly kind: 'admitted' }
  | { readonly kind: 'refused'; readonly status: number; readonly code: string; readonly message: string }
  | { readonly kind: 'unreachable' };

/** `ws(s)://host/v1/meetings/<id>` -> `http(s)://host/v1/meetings/<id>/admission`; null when it is not a join URL. */
export function admissionUrl(joinUrl: string): string | null {
  let url: URL;
  try {
    url = new URL(joinUrl);
  } catch {
    return null;
  }
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:') return null;
  const path = url.pathname.replace(/\/+$/, '');
  if (!/^\/v1\/meetings\/[A-Za-z0-9_-]{1,128}$/.test(path)) return null;
  url.protocol = url.protocol === 'wss:' ? 'https:' : 'http:';
  url.pathname = `${path}/admission`;
  url.search = '';
  url.hash = '';
  return url.toString();
}

const CODE = /^RELAY_ERR_[A-Z_]{1,64}$/;

/** Asks the relay whether it would admit `token` at `joinUrl` now. Never throws; never puts the token in a URL. */
export async function checkAdmission(joinUrl: string, token: string, timeoutMs = 5_000): Promise<AdmissionVerdict> {
  const url = admissionUrl(joinUrl);
  if (url === null) return { kind: 'unreachable' };
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'GET',
      headers: { authorization: `Bearer ${token}` },
      cache: 'no-store',
      credentials: 'omit',
      referrerPolicy: 'no-referrer',
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch {
    return { kind: 'unreachable' };
  }
  const body = (await res.json().catch(() => ({}))) as { ok?: unknown; error?: unknown; message?: unknown };
  if (res.status === 200 && body.ok === true) return { kind: 'admitted' };
  const code = typeof body.error === 'string' && CODE.test(body.error) ? body.error : 'RELAY_ERR_REFUSED';
  const message = typeof body.message === 'string' ? body.message.slice(0, 300) : `The relay refused the join (HTTP ${res.status}).`;
  return { kind: 'refused', status: res.status, code, message };
}

/** What a participant may do about a refusal, in words, after the relay's own sentence. */
const ADVICE: Readonly<Record<string, string>> = {
  RELAY_ERR_MEETING_LOCKED: 'Ask the host to unlock it, then try again.',
  RELAY_ERR_BARRED: 'The host decided this; a new invitation will not change it.',
  RELAY_ERR_MEETING_ENDED: 'Ask the host for a new meeting.',
  RELAY_ERR_MEETING_FULL: 'Try again when someone has left.',
  RELAY_ERR_TOKEN_EXPIRED: 'Ask the host for a new link.',
  RELAY_ERR_TOKEN_REPLAYED: 'This link was for one join only: ask the host for a new one.',
  RELAY_ERR_WRONG_MEETING: 'Check that you opened the right link.',
  RELAY_ERR_TOKEN_INVALID: 'The link may be damaged: ask the host for a new one.',
  RELAY_ERR_TOO_MANY_CONNECTIONS: 'Wait a moment and try again.',
  RELAY_ERR_NOT_READY: 'The relay is restarting or busy: try again in a moment.',
  RELAY_ERR_ORIGIN: 'The relay does not accept joins from this page.',
};

/** Refusals that may clear by themselves (a "Try again" button makes sense). */
export const PASSING_REFUSALS: ReadonlySet<string> = new Set([
  'RELAY_ERR_MEETING_LOCKED',
  'RELAY_ERR_MEETING_FULL',
  'RELAY_ERR_TOO_MANY_CONNECTIONS',
  'RELAY_ERR_NOT_READY',
]);

/** The refusal in words: the relay's sentence, what to do, and the code (for the host or support). */
export function refusalWords(code: string, message: string): string {
  const advice = ADVICE[code];
  return `${message}${advice !== undefined ? ` ${advice}` : ''} (${code})`;
}
