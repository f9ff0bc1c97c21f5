/** The servers the bench runs side by side, and what a started one looks like. */

/** Every server name, in report order: Ephemera's two transports and its two-relay cluster first, then the peers. */
export const SERVER_NAMES = ['ephemera-uws', 'ephemera-ws', 'ephemera-cluster', 'uws-raw', 'ws-naive', 'ws-preframed', 'ws-batched', 'socketio', 'nats'] as const;
export type ServerName = (typeof SERVER_NAMES)[number];

/** How a client speaks to a server: the load generator has one adapter per wire. */
export type Wire = 'raw' | 'socketio' | 'nats' | 'ephemera';

/** What a worker needs to mint Ephemera join tokens (JSON-serialisable: it crosses into worker threads). */
export interface EphemeraClientConfig {
  /** The relay's --data-dir; its development keys live in <dataDir>/keys. */
  dataDir: string;
  /** Frames of the lossy scenarios are sent as MEDIA (subscribed) when true, as CHAT otherwise. */
  media: boolean;
}

/** The JSON-serialisable description of a started server that workers get. */
export interface ServerEndpoint {
  name: ServerName;
  wire: Wire;
  host: string;
  port: number;
  /** Several entry points (the cluster): clients are spread over them in turn. */
  ports?: number[];
  ephemera?: EphemeraClientConfig;
}

/** A started server. close() is idempotent and ends the process (and removes its temporary files). */
export interface RunningServer {
  readonly endpoint: ServerEndpoint;
  /** The pid whose /proc CPU and memory are the server's (nats-server's own pid for nats). */
  readonly pid: number;
  /** Every process whose CPU and memory count as the server's (the cluster: both relays and nats-server). */
  readonly pids?: readonly number[];
  /** The last lines the server printed (for diagnosing failures). */
  tail(): string;
  close(): Promise<void>;
}

/** Starting a server either gives a running one or says, in one line, why the server is skipped. */
export type StartResult = { ok: true; server: RunningServer } | { ok: false; skipped: string };
