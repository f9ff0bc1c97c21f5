/**
 * Bare attendees for the large-meeting roster tests: a plain WebSocket per attendee that counts the roster bytes it
 * receives (WELCOME, ROSTER, ROSTER_BATCH), without the SDK (thousands of SDK clients would cost the test process
 * more than the relay).
 */
import WebSocket from 'ws';
import { BEARER_PREFIX, decodeEnvelope, Kind, SUBPROTOCOL } from '../../protocol/index.js';
import { joinUrl } from '../../client/index.js';

/** One bare attendee: its roster bytes, the size of its WELCOME, its socket. */
export interface RosterCounter {
  rosterBytes: number;
  welcomeBytes: number;
  socket: WebSocket;
}

/** Roster bytes of one received frame (`welcome`: the same bytes when it is the WELCOME). */
export function rosterBytesOf(data: Buffer): { roster: number; welcome: number } {
  const env = decodeEnvelope(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  if (!env.ok) return { roster: 0, welcome: 0 };
  if (env.value.kind === Kind.WELCOME) return { roster: data.byteLength, welcome: data.byteLength };
  if (env.value.kind === Kind.ROSTER_BATCH || env.value.kind === Kind.ROSTER) return { roster: data.byteLength, welcome: 0 };
  return { roster: 0, welcome: 0 };
}

/**
 * Joins `meetingId` at the relay `relayUrl` with `token`; resolves at its WELCOME. Every roster byte it receives,
 * then and later, is added to `total.bytes` too.
 */
export function bareJoin(relayUrl: string, meetingId: string, token: string, label: string, total: { bytes: number }): Promise<RosterCounter> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(joinUrl(relayUrl, meetingId), [SUBPROTOCOL, BEARER_PREFIX + token]);
    const counter: RosterCounter = { rosterBytes: 0, welcomeBytes: 0, socket };
    socket.on('message', (data: Buffer) => {
      const b = rosterBytesOf(data);
      counter.rosterBytes += b.roster;
      total.bytes += b.roster;
      if (b.welcome > 0) {
        counter.welcomeBytes = b.welcome;
        resolve(counter);
      }
    });
    socket.on('error', reject);
    socket.on('close', (code) => reject(new Error(`${label} closed with ${code} before its WELCOME`)));
  });
}
