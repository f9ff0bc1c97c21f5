/** A participant's roster entry reaches the others before anything it sends, although roster changes are batched. */
import { afterEach, describe, expect, it } from 'vitest';
import { TRANSPORTS, meetingId, startHarness, waitFor, type Harness } from '../helpers/relay-harness.js';

describe.each(TRANSPORTS)('roster before frames over %s', (transport) => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('a newcomer that speaks at once is in the roster before its chat arrives', async () => {
    // A long batch window: without the flush on a joiner's first frame, its chat would come 5 s before its JOINED.
    h = await startHarness(transport, { rosterBatchMs: 5_000 });
    const mid = meetingId();
    const host = await h.join(mid, 'host', { role: 'host' });
    const seenAtChat: boolean[] = [];
    host.on('chat', (m) => seenAtChat.push(host.roster.has(m.from)));
    const newcomer = await h.join(mid, 'newcomer', { displayName: 'New' });
    newcomer.sendChat('hello at once');
    await waitFor(() => seenAtChat.length === 1, 4_000, 'the chat');
    expect(seenAtChat).toEqual([true]);
    expect(host.roster.get('newcomer')?.displayName).toBe('New');
  });
});
