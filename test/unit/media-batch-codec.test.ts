/** MEDIA_BATCH (cluster-codec.ts): MEDIA messages of one turn in one NATS message, walked back entry by entry. */
import { describe, expect, it } from 'vitest';
import { decodeMessage, encodeMediaBatch, encodeMessage, FLAG_KEYFRAME, mediaBatchHeaderLength, MsgType, nextMediaEntry, streamOf, utf8Of } from '../../relay/cluster/cluster-codec.js';

const origin = utf8Of('relay-a');

describe('media batch codec', () => {
  it('carries each MEDIA message whole (lane, keyframe flag, track id, frame) and is not a numbered stream', () => {
    const entries = [
      encodeMessage(MsgType.MEDIA, 'audio', 0, 0, origin, utf8Of('cGE.1'), new Uint8Array([1, 2, 3])),
      encodeMessage(MsgType.MEDIA, 'video', FLAG_KEYFRAME, 0, origin, utf8Of('cGI.2'), new Uint8Array(70_000).fill(7)),
      encodeMessage(MsgType.MEDIA, 'audio', 0, 0, origin, utf8Of('cGM.1'), new Uint8Array(0)),
    ];
    const size = mediaBatchHeaderLength(origin) + entries.reduce((n, e) => n + 4 + e.length, 0);
    const batch = encodeMediaBatch(origin, entries, size);
    const outer = decodeMessage(batch)!;
    expect(outer.type).toBe(MsgType.MEDIA_BATCH);
    expect(outer.origin).toBe('relay-a');
    expect(outer.lane).toBeNull();
    expect(streamOf(MsgType.MEDIA_BATCH)).toBe(-1);
    const entry = { view: new Uint8Array(0) };
    const got: Array<{ id: string; lane: string | null; flags: number; body: number[] }> = [];
    let pos = 0;
    while ((pos = nextMediaEntry(outer.body, pos, entry)) >= 0) {
      const m = decodeMessage(entry.view)!;
      expect(m.type).toBe(MsgType.MEDIA);
      got.push({ id: m.id, lane: m.lane, flags: m.flags, body: [...m.body.subarray(0, 3)] });
    }
    expect(got).toEqual([
      { id: 'cGE.1', lane: 'audio', flags: 0, body: [1, 2, 3] },
      { id: 'cGI.2', lane: 'video', flags: FLAG_KEYFRAME, body: [7, 7, 7] },
      { id: 'cGM.1', lane: 'audio', flags: 0, body: [] },
    ]);
  });

  it('a truncated entry ends the walk', () => {
    const e = encodeMessage(MsgType.MEDIA, 'audio', 0, 0, origin, utf8Of('x.1'), new Uint8Array(10));
    const batch = encodeMediaBatch(origin, [e], mediaBatchHeaderLength(origin) + 4 + e.length);
    const body = decodeMessage(batch.subarray(0, batch.length - 1))!.body;
    expect(nextMediaEntry(body, 0, { view: new Uint8Array(0) })).toBe(-1);
  });
});
