/**
 * Helpers of the resume tests: a loopback TCP proxy (node:net) between a client and the relay that can cut every
 * connection through it without a close frame (both sockets destroyed) and refuse new connections for a while.
 */
import { createServer, connect as tcpConnect, type Server, type Socket } from 'node:net';
import { connect, type EphemeraClient, type ConnectOptions } from '../../client/index.js';
import type { Harness } from '../helpers/relay-harness.js';

export interface CutProxy {
  /** `ws://127.0.0.1:<port>`: join through it. */
  readonly url: string;
  /** Connections through it now. */
  readonly open: number;
  /** Destroys every connection (no close frame either way) and refuses new ones for `ms`. */
  cut(ms: number): void;
  /** Every connection through it now goes silent both ways (bytes are swallowed; no FIN, no RST). */
  stall(): void;
  /** Bytes from the relay to the clients are swallowed from now on (the clients' frames still reach it). */
  stallDown(): void;
  close(): Promise<void>;
}

export async function startCutProxy(relayUrl: string): Promise<CutProxy> {
  const target = new URL(relayUrl.replace(/^ws/, 'http'));
  const pairs = new Set<[Socket, Socket]>();
  const stalled = new WeakSet<Socket>();
  const stalledDown = new WeakSet<Socket>();
  let refuseUntil = 0;
  const server: Server = createServer((client) => {
    if (Date.now() < refuseUntil) {
      client.destroy();
      return;
    }
    const upstream = tcpConnect(Number(target.port), target.hostname);
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    const drop = (): void => {
      client.destroy();
      upstream.destroy();
      pairs.delete(pair);
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    client.on('data', (d: Buffer) => void (stalled.has(client) || upstream.write(d)));
    upstream.on('data', (d: Buffer) => void (stalled.has(client) || stalledDown.has(client) || client.write(d)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: `ws://127.0.0.1:${port}`,
    get open() {
      return pairs.size;
    },
    cut(ms) {
      refuseUntil = Date.now() + ms;
      for (const [a, b] of [...pairs]) {
        a.destroy();
        b.destroy();
      }
      pairs.clear();
    },
    stall() {
      for (const [a] of pairs) stalled.add(a);
    },
    stallDown() {
      for (const [a] of pairs) stalledDown.add(a);
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const [a, b] of pairs) {
          a.destroy();
          b.destroy();
        }
        server.close(() => resolve());
      }),
  };
}

/** Joins through the proxy. */
export function joinVia(h: Harness, proxy: CutProxy, meetingId: string, participantId: string, extra: Partial<ConnectOptions> = {}, role: 'host' | 'attendee' = 'attendee'): Promise<EphemeraClient> {
  return connect({ url: proxy.url, meetingId, token: h.token(meetingId, participantId, { role }), ...extra });
}

/** Resolves with the first event of that name. */
export function once<T>(client: EphemeraClient, event: 'resumed' | 'rejoined' | 'failed' | 'reconnecting' | 'close', timeoutMs = 20_000): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${event}`)), timeoutMs);
    client.once(event, ((e: T) => {
      clearTimeout(timer);
      resolve(e);
    }) as never);
  });
}
