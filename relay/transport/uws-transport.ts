/**
 * The uWebSockets.js transport: one uWS App (SSLApp with TLS) with a `/*` WebSocket route, pub/sub on uWS
 * topics, and everything else on the port given to the core's `request` handler (the admission pre-check), else
 * answered 426 with a JSON body.
 *
 * Settings given to uWS and why:
 * - compression DISABLED (frames are binary protobuf; deflate costs CPU and memory per socket);
 * - maxPayloadLength = maxPayloadBytes: uWS drops a larger frame's connection without a close frame (the peer
 *   sees 1006); the core's close handler gets 1009 for it, as on the ws transport;
 * - maxBackpressure = maxBackpressureBytes with closeOnBackpressureLimit: a socket past the cap is closed, never
 *   silently skipped. Connection.send checks the cap first and closes with 4003 (the core sees 4003). A
 *   subscriber pushed past the cap by publish() is closed by uWS itself, invisibly to JS until its close handler
 *   runs with 1006 and an empty reason, which is indistinguishable from a vanished peer: the core then sees 1006;
 * - idleTimeout = idleTimeoutSeconds with sendPingsAutomatically: uWS accepts 0 or 8..960 seconds (anything else
 *   aborts the process), so 1..7 becomes 8 and more than 960 becomes 960; its timers tick every 4 s.
 * - Received message bytes are zeroed once the core's message handler returned (they live in uWS's receive
 *   buffer otherwise, until overwritten).
 */
import type { HttpRequest, HttpResponse, TemplatedApp, us_listen_socket, us_socket_context_t } from '@trufflesuite/uws-js-unofficial';
import { CloseCode } from '../../protocol/codes.js';
import { GOING_AWAY_REASON } from './close-frame.js';
import {
  answerParts,
  INTERNAL_REFUSAL,
  NOT_READY_REFUSAL,
  refusalJson,
  refusalStatus,
  statusLine,
  UPGRADE_REQUIRED_REFUSAL,
  type Refusal,
} from './http-refusal.js';
import { addressFromBinary } from './remote-address.js';
import { transportError } from './transport-errors.js';
import { resolveTransportOptions } from './transport-options.js';
import type { HttpAnswer, HttpRequest as CoreHttpRequest, Transport, TransportHandlers, TransportOptions, UpgradeDecision, UpgradeRequest } from './transport.types.js';
import {
  enterUwsCallback,
  leaveUwsCallback,
  UwsConnection,
  type UwsShared,
  type UwsSocket,
  type UwsUserData,
} from './uws-connection.js';
import { loadUws, uwsIsNative, uwsNotNativeError } from './uws-loader.js';
import { zeroBytes } from './zero-bytes.js';

/** uWS reads maxBackpressure as a signed 32-bit integer. */
const UWS_MAX_BACKPRESSURE = 2 ** 31 - 1;

/**
 * The connection of a uWS socket. uWS.js copies the upgrade's user data onto the socket itself (getUserData()
 * returns the socket), so this is a plain property read rather than a native call per message.
 */
function connOf<C>(ws: UwsSocket): UwsConnection<C> {
  return (ws as unknown as UwsUserData).conn as UwsConnection<C>;
}

/**
 * How long uWS keeps a socket after `end()` for the peer to take its last bytes and answer the close: its
 * ping-timeout margin, 4 s when idleTimeout is below 16 s (or off), 8 s below 32 s, else 16 s. The relay gives
 * ws the same as its close timeout, so that a closed peer that reads again gets the same on both transports.
 */
export function uwsCloseMarginMs(idleTimeoutSeconds: number): number {
  const idle = uwsIdleTimeout(idleTimeoutSeconds);
  if (idle < 16) return 4_000;
  if (idle < 32) return 8_000;
  return 16_000;
}

/** The idleTimeout uWS accepts nearest to `seconds`: 0 (off) or 8..960. */
export function uwsIdleTimeout(seconds: number): number {
  if (seconds <= 0) return 0;
  return Math.min(960, Math.max(8, Math.round(seconds)));
}

/** Writes a refusal on a live response (inside a uWS callback or a res.cork()) and closes the connection. */
function writeRefusal(res: HttpResponse, refusal: Refusal): void {
  const status = refusalStatus(refusal.status);
  res.writeStatus(statusLine(status)).writeHeader('Content-Type', 'application/json').end(refusalJson(refusal.body), true);
}

/** Writes the core's answer to a plain request (inside a uWS callback or a res.cork()) and closes the connection. */
function writeAnswer(res: HttpResponse, answer: HttpAnswer): void {
  const { status, json } = answerParts(answer);
  res.writeStatus(statusLine(status));
  for (const [name, value] of Object.entries(answer.headers)) res.writeHeader(name, value);
  if (json === null) {
    res.end(undefined, true);
    return;
  }
  res.writeHeader('Content-Type', 'application/json').end(json, true);
}

/** uSockets listen options (uWebSockets.js passes them through): share the port, or own it. */
const LIBUS_LISTEN_DEFAULT = 0;
const LIBUS_LISTEN_EXCLUSIVE_PORT = 1;
type ListenWithOptions = (host: string, port: number, options: number, cb: (socket: us_listen_socket | false) => void) => unknown;

function isPromiseLike<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}

/**
 * Creates the uWebSockets.js transport.
 * @throws Error (code RELAY_ERR_UWS_NOT_NATIVE) when uWS runs on its JavaScript fallback; Error naming the
 *   setting for bad options.
 */
export function createUwsTransport<C>(options: TransportOptions, handlers: TransportHandlers<C>): Transport {
  const opts = resolveTransportOptions('createUwsTransport', options);
  if (!uwsIsNative()) throw uwsNotNativeError();
  const uws = loadUws();

  const open = new Set<UwsConnection<C>>();
  let accepting = true;
  let listenSocket: us_listen_socket | null = null;
  let listening: Promise<number> | null = null;
  let closed: Promise<void> | null = null;
  let wakeCloser: (() => void) | null = null;

  const shared: UwsShared<C> = {
    handlers,
    maxBackpressure: Math.min(opts.maxBackpressureBytes, UWS_MAX_BACKPRESSURE),
    closeTimeoutMs: opts.closeTimeoutMs,
    capFarewell: opts.capFarewell ?? null,
    open,
    onRemoved() {
      if (open.size === 0 && wakeCloser !== null) wakeCloser();
    },
  };

  let app: TemplatedApp;
  try {
    app = opts.tls ? uws.SSLApp({ cert_file_name: opts.tls.certFile, key_file_name: opts.tls.keyFile }) : uws.App();
  } catch (err) {
    throw new Error(`createUwsTransport: uWS could not create its ${opts.tls ? 'TLS ' : ''}app (check options.tls)`, { cause: err });
  }

  /** Answers an upgrade once the core decided; `res` is live and corked here. */
  function finishUpgrade(
    res: HttpResponse,
    decision: UpgradeDecision<C>,
    remoteAddress: string,
    key: string,
    extensions: string,
    context: us_socket_context_t,
  ): void {
    if (!accepting) {
      writeRefusal(res, NOT_READY_REFUSAL);
      return;
    }
    if (!decision.accept) {
      writeRefusal(res, decision);
      return;
    }
    const conn = new UwsConnection<C>(decision.context, remoteAddress, shared);
    const userData: UwsUserData = { conn: conn as UwsConnection<unknown> };
    // uWS writes Sec-WebSocket-Protocol from this argument (up to its first comma) when it is not empty.
    res.upgrade(userData, key, typeof decision.protocol === 'string' ? decision.protocol : '', extensions, context);
  }

  /** True while an asynchronous upgrade runs inside res.cork(); the socket it opens waits in deferredOpen. */
  let deferOpens = false;
  let deferredOpen: UwsConnection<C> | null = null;

  function openInCore(conn: UwsConnection<C>): void {
    if (conn.closed && conn.reported) return;
    conn.coreOpened = true;
    enterUwsCallback();
    try {
      handlers.open(conn);
    } finally {
      leaveUwsCallback();
    }
  }

  function onUpgrade(res: HttpResponse, req: HttpRequest, context: us_socket_context_t): void {
    enterUwsCallback();
    try {
      if (!accepting) {
        writeRefusal(res, NOT_READY_REFUSAL);
        return;
      }
      // The request object dies when this callback returns: read everything now, before any await.
      const headers: Record<string, string> = Object.create(null) as Record<string, string>;
      req.forEach((name, value) => {
        const prior = headers[name];
        headers[name] = prior === undefined ? value : `${prior}, ${value}`;
      });
      const key = req.getHeader('sec-websocket-key');
      const extensions = req.getHeader('sec-websocket-extensions');
      const remoteAddress = addressFromBinary(res.getRemoteAddress());
      const request: UpgradeRequest = { path: req.getUrl(), headers, remoteAddress };

      let result: UpgradeDecision<C> | PromiseLike<UpgradeDecision<C>>;
      try {
        result = handlers.upgrade(request);
      } catch {
        writeRefusal(res, INTERNAL_REFUSAL);
        return;
      }
      if (!isPromiseLike(result)) {
        finishUpgrade(res, result, remoteAddress, key, extensions, context);
        return;
      }
      let aborted = false;
      res.onAborted(() => {
        aborted = true;
      });
      result.then(
        (decision) => {
          if (aborted) return;
          // uWS.js closes unrelated sockets when the open handler of a socket upgraded inside res.cork() corks
          // other sockets (a topic publish does): the core's open work runs right after the cork instead
          // (found by join storms in the bench: peers saw 1006 right after their WELCOME).
          deferOpens = true;
          try {
            res.cork(() => finishUpgrade(res, decision, remoteAddress, key, extensions, context));
          } finally {
            deferOpens = false;
          }
          const conn = deferredOpen;
          deferredOpen = null;
          if (conn !== null) openInCore(conn);
        },
        () => {
          if (aborted) return;
          res.cork(() => writeRefusal(res, INTERNAL_REFUSAL));
        },
      );
    } finally {
      leaveUwsCallback();
    }
  }

  app.ws<UwsUserData>('/*', {
    compression: uws.DISABLED,
    maxPayloadLength: opts.maxPayloadBytes,
    maxBackpressure: shared.maxBackpressure,
    // Typed as a number in uWS.js's declarations; read as a boolean by the native side.
    closeOnBackpressureLimit: 1,
    idleTimeout: uwsIdleTimeout(opts.idleTimeoutSeconds),
    sendPingsAutomatically: true,
    upgrade: onUpgrade,
    open(ws: UwsSocket) {
      const conn = connOf<C>(ws);
      conn.ws = ws;
      open.add(conn);
      if (deferOpens) deferredOpen = conn;
      else openInCore(conn);
    },
    message(ws: UwsSocket, message: ArrayBuffer, isBinary: boolean) {
      const conn = connOf<C>(ws);
      const data = new Uint8Array(message);
      enterUwsCallback();
      try {
        handlers.message(conn, data, isBinary);
      } finally {
        // The view points into uWS's receive buffer (or its fragment buffer), which keeps the unmasked bytes
        // until later traffic overwrites them: wipe them now that nobody may read them (SECURITY.md).
        zeroBytes(data);
        leaveUwsCallback();
      }
    },
    drain(ws: UwsSocket) {
      const conn = connOf<C>(ws);
      if (conn.closed) return;
      enterUwsCallback();
      try {
        handlers.drain(conn);
      } finally {
        leaveUwsCallback();
      }
    },
    close(ws: UwsSocket, code: number, message: ArrayBuffer) {
      const conn = connOf<C>(ws);
      enterUwsCallback();
      try {
        conn.onUwsClose(code, message);
      } finally {
        leaveUwsCallback();
      }
    },
  });

  /** A plain request: the core's (the admission pre-check) when it takes it, else 426. */
  function onRequest(res: HttpResponse, req: HttpRequest): void {
    const handle = handlers.request;
    if (!accepting && handle !== undefined) {
      writeRefusal(res, NOT_READY_REFUSAL);
      return;
    }
    if (handle === undefined) {
      writeRefusal(res, UPGRADE_REQUIRED_REFUSAL);
      return;
    }
    // The request object dies when this callback returns: read everything now.
    const headers: Record<string, string> = Object.create(null) as Record<string, string>;
    req.forEach((name, value) => {
      const prior = headers[name];
      headers[name] = prior === undefined ? value : `${prior}, ${value}`;
    });
    const request: CoreHttpRequest = {
      method: req.getCaseSensitiveMethod().toUpperCase(),
      path: req.getUrl(),
      headers,
      remoteAddress: addressFromBinary(res.getRemoteAddress()),
    };
    let result: HttpAnswer | null | PromiseLike<HttpAnswer | null>;
    try {
      result = handle.call(handlers, request);
    } catch {
      writeRefusal(res, INTERNAL_REFUSAL);
      return;
    }
    if (!isPromiseLike(result)) {
      if (result === null) writeRefusal(res, UPGRADE_REQUIRED_REFUSAL);
      else writeAnswer(res, result);
      return;
    }
    let aborted = false;
    res.onAborted(() => {
      aborted = true;
    });
    result.then(
      (answer) => {
        if (!aborted) res.cork(() => (answer === null ? writeRefusal(res, UPGRADE_REQUIRED_REFUSAL) : writeAnswer(res, answer)));
      },
      () => {
        if (!aborted) res.cork(() => writeRefusal(res, INTERNAL_REFUSAL));
      },
    );
  }

  app.any('/*', onRequest);

  function stopAccepting(): void {
    accepting = false;
    if (listenSocket !== null) {
      uws.us_listen_socket_close(listenSocket);
      listenSocket = null;
    }
  }

  return {
    name: 'uws',

    listen(): Promise<number> {
      if (listening !== null) return listening;
      listening = new Promise<number>((resolve, reject) => {
        if (!accepting) {
          reject(transportError('RELAY_ERR_LISTEN', 'uws transport: listen() after stopAccepting() or close()'));
          return;
        }
        // LIBUS_LISTEN_DEFAULT (0) sets SO_REUSEPORT on Linux; LIBUS_LISTEN_EXCLUSIVE_PORT (1) does not. The native
        // listen takes (host, port, options, cb); the type declarations only know (port, options, cb).
        (app as unknown as { listen: ListenWithOptions }).listen(opts.host, opts.port, opts.reusePort === true ? LIBUS_LISTEN_DEFAULT : LIBUS_LISTEN_EXCLUSIVE_PORT, (socket) => {
          if (socket === false) {
            reject(
              transportError(
                'RELAY_ERR_LISTEN',
                `uws transport: cannot listen on ${opts.host}:${opts.port} (address in use or not available)`,
              ),
            );
            return;
          }
          if (!accepting) {
            uws.us_listen_socket_close(socket);
            reject(transportError('RELAY_ERR_LISTEN', 'uws transport: closed while starting to listen'));
            return;
          }
          listenSocket = socket;
          resolve(uws.us_socket_local_port(socket as unknown as Parameters<typeof uws.us_socket_local_port>[0]));
        });
      });
      return listening;
    },

    publish(topic: string, bytes: Uint8Array): void {
      app.publish(topic, bytes, true, false);
    },

    subscribers(topic: string): number {
      return app.numSubscribers(topic);
    },

    stopAccepting,

    close(deadlineMs?: number): Promise<void> {
      if (closed !== null) return closed;
      // Upgrades that still arrive get 503 RELAY_ERR_NOT_READY until every socket is gone; then the listener closes.
      accepting = false;
      const waitMs = Math.max(0, Math.min(opts.closeTimeoutMs, deadlineMs ?? Infinity));
      closed = new Promise<void>((resolve) => {
        let timer: NodeJS.Timeout | null = null;
        const done = (): void => {
          wakeCloser = null;
          if (timer !== null) clearTimeout(timer);
          stopAccepting();
          resolve();
        };
        for (const conn of [...open]) conn.close(CloseCode.GOING_AWAY, GOING_AWAY_REASON);
        // uWS runs close handlers inside end(); ours reach the core in a microtask, so usually open is empty
        // right after that microtask. The timer bounds the wait whatever happens.
        queueMicrotask(() => {
          if (open.size === 0) {
            done();
            return;
          }
          wakeCloser = done;
          timer = setTimeout(done, waitMs);
        });
      });
      return closed;
    },
  };
}
