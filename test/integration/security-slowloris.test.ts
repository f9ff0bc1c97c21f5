/**
 * The upgrade deadline (slowloris): a client that opens a TCP connection and then trickles its HTTP upgrade
 * request one byte at a time, or sends nothing at all (also on a TLS port, where it never starts the TLS
 * handshake), is cut off within a bounded time instead of holding the socket forever.
 *
 * - ws: node:http's headersTimeout/requestTimeout and the TLS handshakeTimeout, set by the transport to its
 *   handshakeTimeoutMs (default 10 s, relay/transport/transport-options.ts); node checks every second, and
 *   answers a trickling request with 408 before closing.
 * - uws: uWebSockets' own fixed HTTP idle timeout of 10 s, checked on its 4 s timer tick: 10 to 14 s. It does not
 *   restart on partial data, so trickling does not extend it.
 *
 * All four relays (uws, ws, each plain and TLS) are attacked at once, so the test takes one deadline (~12 s).
 * The short-deadline variant for ws lives in transport.test.ts.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import { connect as netConnect } from 'node:net';
import { startHarness, type Harness } from '../helpers/relay-harness.js';
import { selfSignedCert, upgradeRequest, type TransportName } from './security-helpers.js';

/** Deadline bounds per transport, ms: [earliest, latest] moment the relay may cut the connection. */
const BOUNDS: Record<TransportName, readonly [number, number]> = { ws: [9_000, 13_000], uws: [9_000, 16_000] };

interface Cut {
  readonly ms: number;
  readonly answer: string;
  readonly sent: number;
}

/** Connects and either trickles an upgrade request (one byte per 100 ms) or stays silent; resolves when cut. */
function attack(port: number, mode: 'trickle' | 'silent'): Promise<Cut> {
  return new Promise((resolve) => {
    const request = upgradeRequest('/v1/meetings/slow', ['ephemera.v1', 'bearer.' + 'x'.repeat(400)]);
    const socket = netConnect(port, '127.0.0.1');
    const t0 = Date.now();
    let sent = 0;
    let answer = '';
    let timer: NodeJS.Timeout | undefined;
    socket.on('connect', () => {
      if (mode === 'trickle') {
        timer = setInterval(() => {
          // Never the final CRLF CRLF: the request stays incomplete.
          if (sent < request.length - 4 && !socket.destroyed) socket.write(request[sent++]!);
        }, 100);
      }
    });
    socket.on('data', (d: Buffer) => (answer += d.toString('latin1')));
    socket.on('error', () => {});
    socket.on('close', () => {
      clearInterval(timer);
      resolve({ ms: Date.now() - t0, answer: answer.split('\r\n')[0] ?? '', sent });
    });
    // Safety net far beyond any bound: the test fails on the bound, not on a hang.
    setTimeout(() => socket.destroy(), 30_000).unref();
  });
}

describe('upgrade deadline (slowloris)', () => {
  const harnesses: Harness[] = [];
  const cert = selfSignedCert();
  afterAll(async () => {
    for (const h of harnesses) await h.close();
    rmSync(cert.dir, { recursive: true, force: true });
  });

  it('cuts off trickling and silent connections, plain and TLS, on both transports within the documented deadline', async () => {
    const setups: Array<{ transport: TransportName; tls: boolean }> = [
      { transport: 'uws', tls: false },
      { transport: 'ws', tls: false },
      { transport: 'uws', tls: true },
      { transport: 'ws', tls: true },
    ];
    const runs = await Promise.all(
      setups.map(async ({ transport, tls }) => {
        const h = await startHarness(transport, tls ? { tlsCertFile: cert.certFile, tlsKeyFile: cert.keyFile } : {});
        harnesses.push(h);
        // On a TLS port, bytes of a plain HTTP request are not a ClientHello: only "silent" is meaningful there.
        const modes = tls ? (['silent'] as const) : (['trickle', 'silent'] as const);
        const cuts = await Promise.all(modes.map((m) => attack(h.relay.port, m)));
        return modes.map((mode, i) => ({ transport, tls, mode, cut: cuts[i]! }));
      }),
    );
    const results = runs.flat();
    // eslint-disable-next-line no-console
    console.log(
      'slowloris: ' +
        results.map((r) => `${r.transport}${r.tls ? '+tls' : ''} ${r.mode}: cut after ${(r.cut.ms / 1000).toFixed(1)} s (${r.cut.sent} bytes sent, answer ${JSON.stringify(r.cut.answer)})`).join('; '),
    );
    for (const r of results) {
      const [min, max] = BOUNDS[r.transport];
      expect(r.cut.ms, `${r.transport}${r.tls ? '+tls' : ''} ${r.mode}`).toBeGreaterThanOrEqual(min);
      expect(r.cut.ms, `${r.transport}${r.tls ? '+tls' : ''} ${r.mode}`).toBeLessThanOrEqual(max);
      if (r.mode === 'trickle') expect(r.cut.sent).toBeGreaterThan(50);
      // node:http says why; uWS just closes.
      if (r.transport === 'ws' && !r.tls && r.mode === 'trickle') expect(r.cut.answer).toBe('HTTP/1.1 408 Request Timeout');
    }
  }, 40_000);
});
