/** The one WebSocket client every adapter uses: LeanWebSocket (lean-websocket.ts), no compression, Buffers. */
import { LeanWebSocket } from './lean-websocket.js';

export type WebSocket = LeanWebSocket;

/** How long a client may take to connect and join before open() fails. */
export const JOIN_TIMEOUT_MS = 10_000;

export function connect(url: string, localAddress: string, protocols?: string[]): WebSocket {
  return new LeanWebSocket(url, protocols, { localAddress, maxPayload: 4 << 20, handshakeTimeout: JOIN_TIMEOUT_MS });
}

/**
 * Runs the join handshake of an adapter: `start` wires the socket and calls `joined()` once the server has taken
 * the client in. Rejects on error, close or timeout (and terminates the socket). Once joined, a later close is
 * reported to `onClose` unless it was asked for with the returned `close()`.
 */
export function whenJoined(
  ws: WebSocket,
  onClose: (code: number) => void,
  start: (joined: () => void, fail: (why: string) => void) => void,
): Promise<{ close(): void }> {
  return new Promise((resolve, reject) => {
    let joinedYet = false;
    let settled = false;
    let closedByUs = false;
    const fail = (why: string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      ws.terminate();
      reject(new Error(why));
    };
    const timer = setTimeout(() => fail(`join timed out after ${JOIN_TIMEOUT_MS} ms`), JOIN_TIMEOUT_MS);
    ws.on('error', (err) => fail(`socket error: ${err.message}`));
    ws.on('close', (code) => {
      if (!joinedYet) fail(`closed with ${code} before joining`);
      else if (!closedByUs) onClose(code);
    });
    start(() => {
      if (settled) return;
      settled = joinedYet = true;
      clearTimeout(timer);
      resolve({
        close() {
          closedByUs = true;
          ws.terminate();
        },
      });
    }, fail);
  });
}
