/**
 * The `ws` transport: a node:http (or node:https) server we own, a `ws` WebSocketServer in noServer mode for the
 * handshakes, and our own pub/sub (topic -> Set of connections) on the pre-framed, corked send path of
 * ws-connection.ts.
 *
 * - perMessageDeflate off; maxPayload = maxPayloadBytes (ws closes a larger frame's connection with 1009);
 *   skipUTF8Validation (the relay speaks binary; text frames are the core's to refuse).
 * - Hard cap: a send that would take a socket's buffer past maxBackpressureBytes is not made, the socket is
 *   closed with 4003 and the core's close handler gets 4003.
 * - Idle: one heartbeat timer pings every open socket each idleTimeoutSeconds / 2 and drops (no close frame, the
 *   core sees 1006, as with uWS) a socket silent for two ticks in a row, i.e. after idleTimeoutSeconds to 1.5x.
 * - close(code, reason) sends the close frame; if the peer does not complete the handshake within
 *   closeTimeoutMs the socket is destroyed.
 * - Plain HTTP requests go to the core's `request` handler (the admission pre-check), else get 426 with a JSON body.
 * - A connection that has not sent a complete upgrade request within handshakeTimeoutMs (TLS handshake
 *   included) is destroyed (node:http headersTimeout/requestTimeout, TLS handshakeTimeout).
 */
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type ServerOptions, type WebSocket } from 'ws';
import { CloseCode } from '../../protocol/codes.js';
import { GOING_AWAY_REASON } from './close-frame.js';
import {
  answerParts,
  INTERNAL_REFUSAL,
  MAX_REQUEST_HEAD_BYTES,
  NOT_READY_REFUSAL,
  rawHttpResponse,
  refusalJson,
  refusalStatus,
  UPGRADE_REQUIRED_REFUSAL,
  type Refusal,
} from './http-refusal.js';
import { normalizeAddress } from './remote-address.js';
import { transportError } from './transport-errors.js';
import { DEFAULT_HANDSHAKE_TIMEOUT_MS, resolveTransportOptions } from './transport-options.js';
import type { HttpAnswer, HttpRequest, Transport, TransportHandlers, TransportOptions, UpgradeDecision, UpgradeRequest } from './transport.types.js';
import { publishFrame, WsConnection, type WsShared } from './ws-connection.js';

/** Shortest heartbeat period, whatever idleTimeoutSeconds says. */
const MIN_HEARTBEAT_MS = 500;

function isPromiseLike<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}

function ignoreError(): void {
  // A client that resets during the handshake: the socket is destroyed and nothing else is to be done.
}

function destroySocket(this: Duplex): void {
  this.destroy();
}

/** Writes a refusal on the raw socket of an upgrade request and closes it once written. */
function refuseOnSocket(socket: Duplex, refusal: Refusal): void {
  if (socket.destroyed || !socket.writable) {
    socket.destroy();
    return;
  }
  const status = refusalStatus(refusal.status);
  socket.once('finish', destroySocket);
  socket.end(rawHttpResponse(status, refusalJson(refusal.body)));
}

function headerRecord(req: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    headers[name] = typeof value === 'string' ? value : value.join(', ');
  }
  return headers;
}

/**
 * Creates the `ws` transport.
 * @throws Error naming the setting for bad options (TLS files are read here).
 */
export function createWsTransport<C>(options: TransportOptions, handlers: TransportHandlers<C>): Transport {
  const opts = resolveTransportOptions('createWsTransport', options);
  const open = new Set<WsConnection<C>>();
  const lingering = new Set<WsConnection<C>>();
  const topics = new Map<string, Set<WsConnection<C>>>();
  const pendingUpgrades = new Set<Duplex>();
  /** The subprotocol the core chose, per request, for handleProtocols. */
  const chosenProtocol = new WeakMap<IncomingMessage, string>();
  let accepting = true;
  let listening: Promise<number> | null = null;
  let closed: Promise<void> | null = null;
  let wakeCloser: (() => void) | null = null;
  let heartbeat: NodeJS.Timeout | null = null;

  const shared: WsShared<C> = {
    handlers,
    maxBackpressure: opts.maxBackpressureBytes,
    closeTimeoutMs: opts.closeTimeoutMs,
    capFarewell: opts.capFarewell ?? null,
    open,
    lingering,
    topics,
    onRemoved() {
      if (open.size === 0 && lingering.size === 0 && wakeCloser !== null) wakeCloser();
    },
  };

  // Slowloris: node:http's defaults (headers within 60 s, checked every 30 s; the TLS handshake within 120 s)
  // let a client hold a socket for a minute or more by trickling its request. A connection must have sent a
  // complete upgrade request within handshakeTimeoutMs (checked every quarter of it, at most every second),
  // as uWS does with its own 10 s HTTP idle timeout.
  const handshakeTimeoutMs = opts.handshakeTimeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS;
  const httpDeadlines = {
    // The same request-head bound as uWS (a larger head is dropped unanswered on both transports).
    maxHeaderSize: MAX_REQUEST_HEAD_BYTES,
    headersTimeout: handshakeTimeoutMs,
    requestTimeout: handshakeTimeoutMs,
    connectionsCheckingInterval: Math.min(1000, Math.max(25, Math.floor(handshakeTimeoutMs / 4))),
  };

  let server: Server;
  if (opts.tls) {
    let cert: Buffer;
    let key: Buffer;
    try {
      cert = readFileSync(opts.tls.certFile);
      key = readFileSync(opts.tls.keyFile);
    } catch (err) {
      throw new Error('createWsTransport: cannot read options.tls.certFile or options.tls.keyFile', { cause: err });
    }
    try {
      server = createHttpsServer({ cert, key, handshakeTimeout: handshakeTimeoutMs, ...httpDeadlines });
    } catch (err) {
      throw new Error('createWsTransport: options.tls.certFile / keyFile are not a usable PEM certificate and key', { cause: err });
    }
  } else {
    server = createHttpServer(httpDeadlines);
  }

  const wssOptions: ServerOptions & { closeTimeout: number } = {
    noServer: true,
    clientTracking: false,
    perMessageDeflate: false,
    maxPayload: opts.maxPayloadBytes,
    skipUTF8Validation: true,
    // ws 8.23 applies this to server sockets too: its own bound on a close handshake, same as ours.
    closeTimeout: opts.closeTimeoutMs,
    handleProtocols: (_offered: Set<string>, req: IncomingMessage) => chosenProtocol.get(req) ?? false,
  };
  const wss = new WebSocketServer(wssOptions);

  // node:http's own answers to a request it cannot parse, except that an oversize head is dropped without one,
  // as uWS does (node would say 431 with no body; the two transports must answer alike).
  // Like node's default otherwise: an answer only to an HTTP parse error or the request deadline, on a socket that
  // has not been written to; TLS handshake errors and the rest are simply destroyed.
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    const code = err.code ?? '';
    const status = code === 'ERR_HTTP_REQUEST_TIMEOUT' ? '408 Request Timeout' : code.startsWith('HPE_') && code !== 'HPE_HEADER_OVERFLOW' ? '400 Bad Request' : null;
    if (status !== null && socket.writable && (socket as Socket).bytesWritten === 0) {
      socket.write(`HTTP/1.1 ${status}\r\nConnection: close\r\n\r\n`);
    }
    socket.destroy();
  });

  /** Writes a status, headers and an optional JSON body on a plain response, and closes the connection. */
  function respond(res: ServerResponse, status: number, headers: Readonly<Record<string, string>>, json: string | null): void {
    if (res.headersSent || res.destroyed) return;
    const all: Record<string, string | number> = { ...headers, 'Content-Length': json === null ? 0 : Buffer.byteLength(json), Connection: 'close' };
    if (json !== null) all['Content-Type'] = 'application/json';
    res.writeHead(status, all);
    res.end(json ?? undefined);
  }

  function refuseRequest(res: ServerResponse, refusal: Refusal): void {
    respond(res, refusalStatus(refusal.status), {}, refusalJson(refusal.body));
  }

  function answerRequest(res: ServerResponse, answer: HttpAnswer | null): void {
    if (answer === null) return refuseRequest(res, UPGRADE_REQUIRED_REFUSAL);
    const { status, json } = answerParts(answer);
    respond(res, status, answer.headers, json);
  }

  // A plain request: the core's (the admission pre-check) when it takes it, else 426.
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const handle = handlers.request;
    if (handle === undefined) return refuseRequest(res, UPGRADE_REQUIRED_REFUSAL);
    if (!accepting) return refuseRequest(res, NOT_READY_REFUSAL);
    // A request body is never read: drain it so that the answer is not held up.
    req.resume();
    const url = req.url ?? '/';
    const query = url.indexOf('?');
    const request: HttpRequest = {
      method: (req.method ?? 'GET').toUpperCase(),
      path: query < 0 ? url : url.slice(0, query),
      headers: headerRecord(req),
      remoteAddress: normalizeAddress(req.socket.remoteAddress),
    };
    let result: HttpAnswer | null | PromiseLike<HttpAnswer | null>;
    try {
      result = handle.call(handlers, request);
    } catch {
      return refuseRequest(res, INTERNAL_REFUSAL);
    }
    if (!isPromiseLike(result)) return answerRequest(res, result);
    result.then(
      (answer) => answerRequest(res, answer),
      () => refuseRequest(res, INTERNAL_REFUSAL),
    );
  });

  function onOpen(ws: WebSocket, socket: Duplex, context: C, remoteAddress: string): void {
    const conn = new WsConnection<C>(context, remoteAddress, ws, socket as Socket, shared);
    open.add(conn);
    handlers.open(conn);
  }

  function finishUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, decision: UpgradeDecision<C>, remoteAddress: string): void {
    if (socket.destroyed || !socket.writable) {
      // The client went away while the core decided.
      socket.destroy();
      return;
    }
    if (!accepting) {
      refuseOnSocket(socket, NOT_READY_REFUSAL);
      return;
    }
    if (!decision.accept) {
      refuseOnSocket(socket, decision);
      return;
    }
    if (typeof decision.protocol === 'string' && decision.protocol.length > 0) chosenProtocol.set(req, decision.protocol);
    const context = decision.context;
    // ws validates the handshake (method, version, key) and answers 400 itself when it is not one.
    wss.handleUpgrade(req, socket, head, (ws) => onOpen(ws, socket, context, remoteAddress));
  }

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', ignoreError);
    if (!accepting) {
      refuseOnSocket(socket, NOT_READY_REFUSAL);
      return;
    }
    // Not a WebSocket handshake at all: answered like a plain request, without bothering the core (uWS routes
    // such requests the same way).
    const key = req.headers['sec-websocket-key'];
    if (req.headers.upgrade?.toLowerCase() !== 'websocket' || typeof key !== 'string' || key.length !== 24) {
      refuseOnSocket(socket, UPGRADE_REQUIRED_REFUSAL);
      return;
    }
    const url = req.url ?? '/';
    const query = url.indexOf('?');
    // Read everything from the request now: after an await the socket may be gone.
    const remoteAddress = normalizeAddress((socket as Socket).remoteAddress);
    const request: UpgradeRequest = { path: query < 0 ? url : url.slice(0, query), headers: headerRecord(req), remoteAddress };
    let result: UpgradeDecision<C> | PromiseLike<UpgradeDecision<C>>;
    try {
      result = handlers.upgrade(request);
    } catch {
      refuseOnSocket(socket, INTERNAL_REFUSAL);
      return;
    }
    if (!isPromiseLike(result)) {
      finishUpgrade(req, socket, head, result, remoteAddress);
      return;
    }
    pendingUpgrades.add(socket);
    result.then(
      (decision) => {
        pendingUpgrades.delete(socket);
        finishUpgrade(req, socket, head, decision, remoteAddress);
      },
      () => {
        pendingUpgrades.delete(socket);
        refuseOnSocket(socket, INTERNAL_REFUSAL);
      },
    );
  });

  if (opts.idleTimeoutSeconds > 0) {
    const period = Math.max(MIN_HEARTBEAT_MS, (opts.idleTimeoutSeconds * 1000) / 2);
    heartbeat = setInterval(() => {
      for (const conn of open) {
        if (conn.alive) {
          conn.alive = false;
          conn.missed = 0;
        } else if (++conn.missed >= 2) {
          conn.terminate();
          continue;
        }
        if (conn.missed === 1) conn.ping();
      }
    }, period);
    heartbeat.unref();
  }

  function stopAccepting(): void {
    if (!accepting) return;
    accepting = false;
    if (server.listening) server.close();
  }

  return {
    name: 'ws',

    listen(): Promise<number> {
      if (listening !== null) return listening;
      listening = new Promise<number>((resolve, reject) => {
        if (!accepting) {
          reject(transportError('RELAY_ERR_LISTEN', 'ws transport: listen() after stopAccepting() or close()'));
          return;
        }
        const onError = (err: NodeJS.ErrnoException): void => {
          server.removeListener('listening', onListening);
          const why = err.code === 'EADDRINUSE' ? 'address in use' : err.code ?? 'error';
          reject(transportError('RELAY_ERR_LISTEN', `ws transport: cannot listen on ${opts.host}:${opts.port} (${why})`, err));
        };
        const onListening = (): void => {
          server.removeListener('error', onError);
          const address = server.address();
          resolve(typeof address === 'object' && address !== null ? address.port : opts.port);
        };
        server.once('error', onError);
        server.once('listening', onListening);
        server.listen({ host: opts.host, port: opts.port });
      });
      return listening;
    },

    publish(topic: string, bytes: Uint8Array): void {
      publishFrame(shared, topic, bytes, null);
    },

    subscribers(topic: string): number {
      return topics.get(topic)?.size ?? 0;
    },

    stopAccepting,

    close(deadlineMs?: number): Promise<void> {
      if (closed !== null) return closed;
      // Upgrades that still arrive get 503 RELAY_ERR_NOT_READY until every socket is gone; then the listener closes.
      accepting = false;
      if (heartbeat !== null) {
        clearInterval(heartbeat);
        heartbeat = null;
      }
      const waitMs = Math.max(0, Math.min(opts.closeTimeoutMs + 100, deadlineMs ?? Infinity));
      closed = new Promise<void>((resolve) => {
        let timer: NodeJS.Timeout | null = null;
        const finish = (): void => {
          wakeCloser = null;
          if (timer !== null) clearTimeout(timer);
          // Sockets that would not close in time (a peer that never reads) are cut now.
          for (const conn of [...open, ...lingering]) conn.terminate();
          for (const socket of pendingUpgrades) socket.destroy();
          pendingUpgrades.clear();
          if (server.listening) server.close();
          server.closeAllConnections();
          wss.close();
          resolve();
        };
        for (const conn of [...open]) conn.close(CloseCode.GOING_AWAY, GOING_AWAY_REASON);
        // Closes reach the core in a microtask; then wait for the sockets themselves (peers completing the
        // handshake), bounded: each destroys itself closeTimeoutMs after its close(), and the deadline cuts them.
        queueMicrotask(() => {
          if (open.size === 0 && lingering.size === 0) {
            finish();
            return;
          }
          wakeCloser = finish;
          timer = setTimeout(finish, waitMs);
        });
      });
      return closed;
    },
  };
}
