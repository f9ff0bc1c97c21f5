/**
 * Every peer server, through the bench's own adapters: a frame reaches every other member of its meeting, not the
 * sender, not another meeting. Real processes pinned to core 0, real sockets.
 */
import { describe, expect, it } from 'vitest';
import type { BenchClient } from '../load/adapters/index.js';
import { natsServerAvailable, type ServerName } from '../servers/index.js';
import { useServerFixture } from './server-fixture.js';

const PEERS: ServerName[] = ['uws-raw', 'ws-naive', 'ws-preframed', 'ws-batched', 'socketio'];
if (natsServerAvailable()) PEERS.push('nats');

const fixture = useServerFixture();
const clients = fixture.clients;

describe.each(PEERS)('peer %s', (name) => {
  it('delivers to every other member of the meeting only', async () => {
    const adapter = await fixture.start(name, false);
    const got: number[][] = [];
    const open = async (meetingId: string, i: number): Promise<BenchClient> => {
      got[i] = [];
      const c = await adapter.open(
        { meetingId, participantId: `p${i}`, localAddress: `127.0.0.${1 + i}`, sender: true, lane: 'reliable' },
        { onPayload: (data, offset) => got[i]!.push(data.readUInt32LE(offset + 8)), onClose: () => {} },
      );
      clients.push(c);
      return c;
    };
    const a = [await open('a', 0), await open('a', 1), await open('a', 2)];
    await open('b', 3);
    for (let i = 0; i < a.length; i++) {
      const frame = a[i]!.makeFrame(100, i);
      a[i]!.send(frame);
      a[i]!.send(frame);
    }
    const deadline = Date.now() + 5000;
    while (got.slice(0, 3).some((g) => g.length < 4) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 100));
    expect(got[0]!.sort()).toEqual([1, 1, 2, 2]);
    expect(got[1]!.sort()).toEqual([0, 0, 2, 2]);
    expect(got[2]!.sort()).toEqual([0, 0, 1, 1]);
    expect(got[3]).toEqual([]);
  });
});
