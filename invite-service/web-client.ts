/**
 * The web meeting client's routes on the invite service (same origin, so that the host's page can create
 * invitations through this API without CORS): the page at /join and its assets at /join/<file>, and
 * POST /v1/join-check, which tells a page why the relay refused its join.
 *
 * Why join-check exists: the relay refuses a join at the HTTP upgrade with a status and a JSON reason, and a
 * browser's WebSocket API shows a page none of that (only "connection failed"). After a refused join the page
 * posts its token here (in the body, never in a URL) and the service repeats the upgrade from Node, where the
 * relay's answer is readable. The check asks the relay this service is configured with, nothing else.
 */
import WebSocket from 'ws';

/** One file of the built web client. */
export interface WebClientFile {
  readonly contentType: string;
  readonly body: Uint8Array;
}

/** The built web client: file name (`index.html`, `app.js`, ...) to contents. `index.html` is required. */
export type WebClientFiles = ReadonlyMap<string, WebClientFile>;

/** The page's policy: its own scripts and styles only; WebSocket to any relay; blobs for saved documents. */
export const WEB_CLIENT_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; media-src 'self' blob:; " +
  "connect-src 'self' ws: wss:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/** The answer of a join check. */
export interface JoinCheck {
  /** True when the relay would admit the token now (the check joined and left at once). */
  readonly joinable: boolean;
  /** RELAY_ERR_* from the relay, or RELAY_UNREACHABLE when it could not be reached. */
  readonly code: string;
  readonly message: string;
}

/** The `mid` claim of a token, read without verifying (the relay verifies); '' when unreadable. */
export function meetingIdOfToken(token: string): string {
  const part = token.split('.')[1];
  if (part === undefined) return '';
  try {
    const claims = JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as { mid?: unknown };
    return typeof claims.mid === 'string' && /^[A-Za-z0-9._:@-]{1,128}$/.test(claims.mid) ? claims.mid : '';
  } catch {
    return '';
  }
}

/** Repeats a join at the relay's upgrade and reports its answer. Never logs or returns the token. */
export function checkJoin(relayUrl: string, token: string, timeoutMs = 5_000): Promise<JoinCheck> {
  const meetingId = meetingIdOfToken(token);
  if (meetingId === '') return Promise.resolve({ joinable: false, code: 'RELAY_ERR_TOKEN_INVALID', message: 'The token is malformed or its signature does not verify.' });
  return new Promise((resolve) => {
    let done = false;
    const finish = (r: JoinCheck): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve(r);
    };
    const socket = new WebSocket(`${relayUrl}/v1/meetings/${encodeURIComponent(meetingId)}`, ['ephemera.v1', `bearer.${token}`]);
    const timer = setTimeout(() => {
      socket.terminate();
      finish({ joinable: false, code: 'RELAY_UNREACHABLE', message: 'The relay did not answer in time.' });
    }, timeoutMs);
    socket.on('unexpected-response', (_req, res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c.length + body.length <= 4096 ? c : ''));
      res.on('end', () => {
        let code = 'RELAY_ERR_REFUSED';
        let message = `The relay refused the join (HTTP ${res.statusCode ?? 0}).`;
        try {
          const parsed = JSON.parse(body) as { error?: unknown; code?: unknown; message?: unknown };
          const c = typeof parsed.error === 'string' ? parsed.error : parsed.code;
          if (typeof c === 'string' && /^RELAY_ERR_[A-Z_]{1,64}$/.test(c)) code = c;
          if (typeof parsed.message === 'string') message = parsed.message.slice(0, 300);
        } catch {
          // Not JSON: keep the generic sentence.
        }
        finish({ joinable: false, code, message });
      });
      res.on('error', () => finish({ joinable: false, code: 'RELAY_ERR_REFUSED', message: `The relay refused the join (HTTP ${res.statusCode ?? 0}).` }));
    });
    socket.on('open', () => {
      socket.close(1000, 'join check');
      finish({ joinable: true, code: '', message: 'The relay admits this invitation now.' });
    });
    socket.on('error', () => finish({ joinable: false, code: 'RELAY_UNREACHABLE', message: 'The relay cannot be reached.' }));
  });
}
