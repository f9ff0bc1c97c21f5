/** Starting any of the bench's servers by name, pinned to the server core. */
import { startEphemera } from './start-ephemera.js';
import { startEphemeraCluster } from './start-ephemera-cluster.js';
import { startNats } from './start-nats.js';
import { startPeer } from './start-peer.js';
import type { ServerName, StartResult } from './server.types.js';

export { SERVER_NAMES } from './server.types.js';
export type { RunningServer, ServerEndpoint, ServerName, StartResult, Wire } from './server.types.js';
export { ephemeraUnavailable } from './start-ephemera.js';
export { natsServerAvailable } from './start-nats.js';

export interface StartOptions {
  core: number;
  /** Ephemera lossy scenarios as MEDIA. */
  media: boolean;
}

export function startServer(name: ServerName, opts: StartOptions): Promise<StartResult> {
  switch (name) {
    case 'ephemera-uws':
      return startEphemera('uws', opts.core, opts.media);
    case 'ephemera-ws':
      return startEphemera('ws', opts.core, opts.media);
    case 'ephemera-cluster':
      return startEphemeraCluster(opts.core, opts.media);
    case 'nats':
      return startNats(opts.core);
    default:
      return startPeer(name, opts.core);
  }
}
