/** Small helpers shared by the lane tests (lanes-*.test.ts). */
import type { Envelope } from '../../protocol/index.js';
import type { EphemeraClient, ErrorEvent } from '../../client/index.js';
import { waitFor } from '../helpers/relay-harness.js';

/** Resolves with the ERROR the relay answers to the frame sent with `ref`. */
export function errorFor(client: EphemeraClient, ref: number, timeoutMs = 5_000): Promise<ErrorEvent> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      client.off('error', on);
      reject(new Error(`no ERROR for ref ${ref}`));
    }, timeoutMs);
    const on = (e: ErrorEvent): void => {
      if (e.ref !== ref) return;
      clearTimeout(timer);
      client.off('error', on);
      resolve(e);
    };
    client.on('error', on);
  });
}

/** The relay's error code for the frame `send` sends (send returns the frame's ref). */
export async function refusal(client: EphemeraClient, send: () => number): Promise<string> {
  let ref = 0;
  const got = new Promise<ErrorEvent>((resolve) => {
    const on = (e: ErrorEvent): void => {
      if (e.ref !== ref) return;
      client.off('error', on);
      resolve(e);
    };
    client.on('error', on);
  });
  ref = send();
  const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no ERROR for ref ${ref}`)), 5_000));
  return (await Promise.race([got, timeout])).code;
}

/** A PING/PONG round trip: everything the client sent before has been handled by the relay. */
export function roundTrip(client: EphemeraClient): Promise<void> {
  return new Promise((resolve) => {
    const ref = client.ping();
    const on = (e: { ref: number }): void => {
      if (e.ref !== ref) return;
      client.off('pong', on);
      resolve();
    };
    client.on('pong', on);
  });
}

/** Records every frame a client receives. */
export function recordFrames(client: EphemeraClient): Envelope[] {
  const out: Envelope[] = [];
  client.on('frame', (env) => out.push(env));
  return out;
}

/** Waits until every client sees `n` participants. */
export async function fullRoster(clients: EphemeraClient[], n = clients.length): Promise<void> {
  await waitFor(() => clients.every((c) => c.roster.size === n), 5_000, 'full roster');
}

/** Pauses reading a client's socket (Node `ws` only): the relay's sends to it back up. */
export function pauseReading(client: EphemeraClient): void {
  (client.socket as unknown as { _socket: { pause(): void } })._socket.pause();
}

export function resumeReading(client: EphemeraClient): void {
  (client.socket as unknown as { _socket: { resume(): void } })._socket.resume();
}
