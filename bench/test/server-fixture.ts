/** A bench server and its clients for one test, both closed after each test (registers the afterEach). */
import { afterEach } from 'vitest';
import { adapterFor, type Adapter, type BenchClient } from '../load/adapters/index.js';
import { startServer, type RunningServer, type ServerName } from '../servers/index.js';

export interface ServerFixture {
  /** Starts `name` on core 0 and returns an adapter for it; a server that cannot start fails the test. */
  start(name: ServerName, media: boolean): Promise<Adapter>;
  /** Clients to close after the test. */
  readonly clients: BenchClient[];
}

export function useServerFixture(): ServerFixture {
  let server: RunningServer | null = null;
  const clients: BenchClient[] = [];
  afterEach(async () => {
    for (const c of clients) c.close();
    clients.length = 0;
    await server?.close();
    server = null;
  });
  return {
    clients,
    async start(name, media) {
      const started = await startServer(name, { core: 0, media });
      if (!started.ok) throw new Error(started.skipped);
      server = started.server;
      return adapterFor(server.endpoint);
    },
  };
}
