/**
 * The small interface between the meeting core and a WebSocket library. The core never imports uWS or ws;
 * a transport implements these types. Authentication happens in `upgrade`, before a WebSocket exists.
 */

/** What the core sees of an HTTP upgrade request. Header names are lower-case. */
export interface UpgradeRequest {
  /** URL path without the query, e.g. `/v1/meetings/abc`. */
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  /** Remote IP address as text (IPv4 or IPv6). */
  readonly remoteAddress: string;
}

/** What the core sees of a plain HTTP request (not an upgrade) on the WebSocket port. Header names are lower-case. */
export interface HttpRequest extends UpgradeRequest {
  /** Upper-case method, e.g. `GET`, `OPTIONS`. */
  readonly method: string;
}

/**
 * The core's answer to a plain HTTP request: a status, headers (never Content-Length, Connection or
 * Content-Type: the transport writes those) and a JSON body, or none (`body: null`, e.g. 204 to a preflight).
 */
export interface HttpAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Readonly<Record<string, unknown>> | null;
}

/** The core's answer to an upgrade: accept with a subprotocol and a context, or refuse with a JSON body. */
export type UpgradeDecision<C> =
  | { readonly accept: true; readonly protocol: string; readonly context: C }
  | { readonly accept: false; readonly status: number; readonly body: Readonly<Record<string, unknown>> };

/** One open WebSocket. Methods never throw, also after the socket closed. */
export interface Connection<C> {
  /** The context the core returned from `upgrade`. */
  readonly context: C;
  readonly remoteAddress: string;
  /** True once the socket is closed or closing; sends are then ignored. */
  readonly closed: boolean;
  /**
   * Sends one binary message. Returns false when it was not sent (socket closed, or the transport's hard
   * backpressure cap was hit, in which case the transport closes the socket with 4003 slow consumer).
   * Efficient inside and outside transport callbacks (sends outside callbacks are corked by the transport).
   */
  send(bytes: Uint8Array): boolean;
  /** Bytes queued in user space for this socket, not yet written to the kernel. */
  bufferedAmount(): number;
  /** Starts a close handshake with a code and a reason (<= 123 bytes); forces the socket shut if the peer does
   * not complete it within the transport's close timeout. Idempotent. */
  close(code: number, reason: string): void;
  subscribe(topic: string): void;
  unsubscribe(topic: string): void;
  /** Sends to every subscriber of `topic` except this connection. */
  publish(topic: string, bytes: Uint8Array): void;
}

/** Callbacks the core gives a transport. `message` data is only valid during the call: copy what must outlive it. */
export interface TransportHandlers<C> {
  upgrade(req: UpgradeRequest): UpgradeDecision<C> | Promise<UpgradeDecision<C>>;
  /**
   * A plain HTTP request on the WebSocket port (the admission pre-check). Optional; null (or no handler) means
   * "not mine": the transport answers 426 RELAY_ERR_UPGRADE_REQUIRED as before.
   */
  request?(req: HttpRequest): HttpAnswer | null | Promise<HttpAnswer | null>;
  open(conn: Connection<C>): void;
  message(conn: Connection<C>, data: Uint8Array, isBinary: boolean): void;
  /** The socket's send buffer drained below the transport's threshold. */
  drain(conn: Connection<C>): void;
  /** The socket closed (for any reason, exactly once per opened connection). */
  close(conn: Connection<C>, code: number): void;
}

export interface TlsOptions {
  readonly certFile: string;
  readonly keyFile: string;
}

export interface TransportOptions {
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
  /** Frames above this many bytes close the socket (the core enforces its own, lower, documented limit). */
  readonly maxPayloadBytes: number;
  /** Hard cap on a socket's send buffer; past it the transport closes with 4003. */
  readonly maxBackpressureBytes: number;
  /** Seconds without any traffic before the transport closes the socket (its own keep-alive; 0 = off). */
  readonly idleTimeoutSeconds: number;
  /** Milliseconds a close handshake may take before the socket is forced shut. */
  readonly closeTimeoutMs: number;
  /**
   * Milliseconds a client may take from connecting (TLS handshake included) to a complete HTTP upgrade request;
   * a slower one (slowloris, or a connection that sends nothing) is cut off. Optional, default 10 000. Applied by
   * the ws transport (node:http headersTimeout and requestTimeout, TLS handshakeTimeout); uWS enforces its own
   * fixed HTTP idle timeout of 10 s (the connection goes after 10 to 14 s: its timers tick every 4 s) and
   * ignores this value.
   */
  readonly handshakeTimeoutMs?: number;
  /**
   * A small message (at most 1 KiB) sent, past the cap, just before a socket is closed with 4003 because a send
   * would pass maxBackpressureBytes: the relay passes its ERROR RELAY_ERR_SLOW_CONSUMER frame so that the peer is
   * told why on both transports. Optional (default: none). Copied at construction.
   */
  readonly capFarewell?: Uint8Array;
  readonly tls?: TlsOptions;
  /**
   * uws only: listen with SO_REUSEPORT, so that several relay processes on one machine share the port (the
   * kernel spreads new connections over them). Default false: the port is exclusive, and a second process on it
   * fails to listen (uWS's own default would share it silently).
   */
  readonly reusePort?: boolean;
}

/** A WebSocket server the core drives. */
export interface Transport {
  readonly name: 'uws' | 'ws';
  /** Starts listening; resolves with the bound port. */
  listen(): Promise<number>;
  /** Sends to every subscriber of a topic. */
  publish(topic: string, bytes: Uint8Array): void;
  /** Number of subscribers of a topic. */
  subscribers(topic: string): number;
  /** Stops accepting new connections; open ones stay. Idempotent. */
  stopAccepting(): void;
  /**
   * Closes every socket (1001), waits for them (at most closeTimeoutMs, or `deadlineMs` when sooner), cuts those
   * still open without a close frame (ws; on uws a socket past `end()` is uWS's to shut, within its margin), then
   * closes the listener. Until then upgrades are answered 503 RELAY_ERR_NOT_READY. Idempotent.
   */
  close(deadlineMs?: number): Promise<void>;
}

export type TransportFactory = <C>(options: TransportOptions, handlers: TransportHandlers<C>) => Transport;
