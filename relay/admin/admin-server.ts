/**
 * The admin HTTP listener: /metrics (Prometheus), /healthz (the process is up), /readyz (it admits meetings).
 * It sees counts and metadata only and has no way into a meeting.
 */
import { createServer, type Server } from 'node:http';
import type { Registry } from 'prom-client';

export interface AdminServerOptions {
  readonly host: string;
  readonly port: number;
  readonly registry: Registry;
  /** Why the relay is not ready, or null when it is. */
  readonly notReadyReason: () => string | null;
}

export interface AdminServer {
  readonly port: number;
  close(): Promise<void>;
}

function json(res: import('node:http').ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

export async function startAdminServer(o: AdminServerOptions): Promise<AdminServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET') return json(res, 405, { error: 'ADMIN_ERR_METHOD', message: 'Only GET is served here.' });
    if (path === '/healthz') return json(res, 200, { status: 'ok' });
    if (path === '/readyz') {
      const reason = o.notReadyReason();
      return reason === null ? json(res, 200, { status: 'ready' }) : json(res, 503, { status: 'not_ready', reason });
    }
    if (path === '/metrics') {
      o.registry.metrics().then(
        (text) => {
          res.writeHead(200, { 'content-type': o.registry.contentType });
          res.end(text);
        },
        () => json(res, 500, { error: 'ADMIN_ERR_METRICS', message: 'Collecting metrics failed.' }),
      );
      return;
    }
    json(res, 404, { error: 'ADMIN_ERR_NOT_FOUND', message: 'Try /metrics, /healthz or /readyz.' });
  });
  server.requestTimeout = 10_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : o.port;
  let closing: Promise<void> | null = null;
  return {
    port,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
