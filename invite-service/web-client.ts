/**
 * The web meeting client's routes on the invite service (same origin, so that the host's page can create
 * invitations through this API without CORS): the page at /join and its assets at /join/<file>.
 *
 * When a join fails, the page asks the relay itself why (the relay's admission pre-check,
 * `GET /v1/meetings/<id>/admission`, see protocol/README.md): tokens never travel to this service for that.
 */
/** One file of the built web client. */
export interface WebClientFile {
  readonly contentType: string;
  readonly body: Uint8Array;
}

/** The built web client: file name (`index.html`, `app.js`, ...) to contents. `index.html` is required. */
export type WebClientFiles = ReadonlyMap<string, WebClientFile>;

/**
 * The page's policy: its own scripts and styles only; WebSocket to any relay, and http(s) to any relay for its
 * admission check (the link names the relay, so it cannot be narrowed here); blobs for saved documents.
 */
export const WEB_CLIENT_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; media-src 'self' blob:; " +
  "connect-src 'self' ws: wss: http: https:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";
