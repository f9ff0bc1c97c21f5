/**
 * The Ephemera adapter against the real relay on both transports: tokens from the relay's dev keys, CHAT on the
 * reliable lane, MEDIA after publish/subscribe on the audio lane, each frame to every other member only.
 */
import { describe, expect, it } from 'vitest';
import type { Lane } from '../load/adapters/index.js';
import { useServerFixture } from './server-fixture.js';

const fixture = useServerFixture();
const clients = fixture.clients;

describe.each(['ephemera-uws', 'ephemera-ws'] as const)('%s', (name) => {
  it.each(['reliable', 'audio'] as Lane[])('delivers %s frames to every other member only', async (lane) => {
    const adapter = await fixture.start(name, true);
    const got: number[][] = [[], [], [], []];
    const ids = ['alice', 'bob', 'carol', 'dave'];
    for (let i = 0; i < 4; i++) {
      clients.push(
        await adapter.open(
          { meetingId: i < 3 ? 'bench-a' : 'bench-b', participantId: ids[i]!, localAddress: '127.0.0.1', sender: true, lane },
          { onPayload: (data, offset) => got[i]!.push(data.readUInt32LE(offset + 8)), onClose: () => {} },
        ),
      );
    }
    const a = clients.slice(0, 3);
    if (lane !== 'reliable') {
      await Promise.all(a.map((c) => c.startPublishing!()));
      await Promise.all(a.map((c, i) => c.subscribeTo!(ids.slice(0, 3).filter((_, j) => j !== i))));
    }
    a.forEach((c, i) => c.send(c.makeFrame(100, i)));
    const deadline = Date.now() + 5000;
    while (got.slice(0, 3).some((g) => g.length < 2) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 100));
    expect(got[0]!.sort()).toEqual([1, 2]);
    expect(got[1]!.sort()).toEqual([0, 2]);
    expect(got[2]!.sort()).toEqual([0, 1]);
    expect(got[3]).toEqual([]);
  });
});
