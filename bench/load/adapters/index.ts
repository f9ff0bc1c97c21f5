/** The adapter for a server's wire. */
import type { ServerEndpoint } from '../../servers/server.types.js';
import type { Adapter } from './adapter.types.js';
import { ephemeraAdapter } from './ephemera.js';
import { loadTokenMinter } from './ephemera-tokens.js';
import { natsAdapter } from './nats.js';
import { rawAdapter } from './raw.js';
import { socketioAdapter } from './socketio.js';

export type { Adapter, BenchClient, ClientHandlers, ClientSpec, Lane, OutFrame, PayloadHandler } from './adapter.types.js';

export async function adapterFor(endpoint: ServerEndpoint): Promise<Adapter> {
  switch (endpoint.wire) {
    case 'raw':
      return rawAdapter(endpoint.host, endpoint.port);
    case 'socketio':
      return socketioAdapter(endpoint.host, endpoint.port);
    case 'nats':
      return natsAdapter(endpoint.host, endpoint.port);
    case 'ephemera': {
      if (!endpoint.ephemera) throw new Error('ephemera endpoint without client config');
      const minter = await loadTokenMinter(endpoint.ephemera.dataDir);
      return ephemeraAdapter({ host: endpoint.host, port: endpoint.port, ...(endpoint.ports ? { ports: endpoint.ports } : {}), minter, media: endpoint.ephemera.media });
    }
  }
}
