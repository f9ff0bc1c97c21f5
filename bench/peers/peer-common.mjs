// Shared start-up plumbing of the peer servers: the port from argv/env, the READY line, and leaving with the parent.
// Peers are plain .mjs so that nothing but the server itself (no TypeScript loader) runs in the measured process.

/** The port to listen on: `--port N` in argv, else $PORT, else 0 (any free port). */
export function peerPort() {
  const i = process.argv.indexOf('--port');
  const raw = i >= 0 ? process.argv[i + 1] : process.env.PORT;
  const port = raw === undefined ? 0 : Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`peer: bad --port ${String(raw)}`);
  return port;
}

/** The meeting id from a `/m/<meetingId>` request path (query string ignored). */
export function meetingFromPath(url) {
  const path = (url ?? '').split('?')[0] ?? '';
  return path.startsWith('/m/') ? path.slice(3) : path;
}

/**
 * Prints `READY <port>` once listening. The bench keeps our stdin open; when it closes the bench has gone away,
 * so we go too (a peer must never outlive the run that started it). SIGTERM keeps its default action.
 */
export function announceReady(port) {
  process.stdout.write(`READY ${port}\n`);
  process.stdin.on('data', () => {});
  process.stdin.on('end', () => process.kill(process.pid, 'SIGTERM'));
  process.stdin.on('error', () => process.kill(process.pid, 'SIGTERM'));
}
