/**
 * The client's one payload seam (client/payload-codec.ts): a codec given to connect() seals every lane's payload
 * on the way out and opens it on the way in. Two clients sharing a toy codec talk over chat, polls, documents and
 * media; a third without it sees only sealed bytes, which is what the relay forwards untouched.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { connect, type EphemeraClient, type PayloadCodec } from '../../client/index.js';
import { meetingId, startHarness, TRANSPORTS, waitFor, type Harness } from '../helpers/relay-harness.js';

/**
 * A stand-in for encryption: XOR, so that a client without it cannot read the payloads. It keeps sizes (document
 * offsets and credit count payload bytes; see payload-codec.ts).
 */
const XOR: PayloadCodec = {
  seal: (_kind, p) => p.map((b) => b ^ 0x5a),
  open: (_kind, _from, p) => p.map((b) => b ^ 0x5a),
};

describe.each(TRANSPORTS)('client payload codec (%s)', (transport) => {
  let h: Harness | undefined;
  const clients: EphemeraClient[] = [];
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await h?.close();
  });

  it('seals and opens chat, poll texts, documents and media in one place', async () => {
    h = await startHarness(transport);
    const mid = meetingId();
    const join = async (id: string, role: 'host' | 'attendee', payloads?: PayloadCodec): Promise<EphemeraClient> => {
      const c = await connect({ url: h!.relay.url, meetingId: mid, token: h!.token(mid, id, { role }), ...(payloads ? { payloads } : {}) });
      clients.push(c);
      return c;
    };
    const alice = await join('alice', 'host', XOR);
    const bob = await join('bob', 'attendee', XOR);
    const eve = await join('eve', 'attendee');
    await waitFor(() => alice.roster.size === 3 && bob.roster.size === 3 && eve.roster.size === 3, 5_000, 'roster');

    const bobChat: string[] = [];
    const eveFrames: Uint8Array[] = [];
    bob.on('chat', (m) => bobChat.push(m.text));
    eve.on('frame', (env) => env.kind === 10 && eveFrames.push(env.payload!.slice()));
    alice.sendChat('sealed hello');
    await waitFor(() => bobChat.length === 1 && eveFrames.length === 1, 5_000, 'chat');
    expect(bobChat).toEqual(['sealed hello']);
    // Eve has the bytes the relay forwarded: sealed, not the text.
    expect(Buffer.from(eveFrames[0]!).includes(Buffer.from('sealed hello'))).toBe(false);
    expect(Buffer.from(XOR.open(10, 'alice', eveFrames[0]!)!).includes(Buffer.from('sealed hello'))).toBe(true);

    const opened = new Promise<string>((resolve) => bob.once('pollOpened', (p) => resolve(p.questions[0]!.text)));
    alice.openPoll({ questions: [{ text: 'Sealed question?', options: ['a', 'b'] }] });
    await expect(opened).resolves.toBe('Sealed question?');

    const doc = new Uint8Array(150_000).map((_v, i) => i & 255);
    eve.on('documentOffered', (d) => d.cancel());
    const got = new Promise<Uint8Array>((resolve) => bob.once('documentOffered', (d) => resolve(d.receive())));
    await alice.shareDocument(doc, { name: 'sealed.bin', to: 'bob' });
    expect(Buffer.from(await got).equals(Buffer.from(doc))).toBe(true);

    const media = new Promise<number[]>((resolve) => bob.once('media', (f) => resolve([...f.payload])));
    alice.once('keyframeRequest', (k) => alice.sendMedia(k.track, new Uint8Array([9, 8, 7]), { keyframe: true }));
    bob.on('trackPublished', (t) => bob.subscribe(t.publisher, t.id));
    alice.publishTrack({ id: 1, source: 'video', codec: 'vp8' });
    await expect(media).resolves.toEqual([9, 8, 7]);
  }, 30_000);
});
