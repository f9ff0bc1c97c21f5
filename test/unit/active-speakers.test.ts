import { describe, expect, it } from 'vitest';
import { ActiveSpeakers, type SpeakerLevel } from '../../relay/meeting/lanes/active-speakers.js';
import type { LaneContext } from '../../relay/meeting/lanes/lane.types.js';
import type { Member } from '../../relay/meeting/delivery.types.js';
import { decodeEnvelope } from '../../protocol/index.js';

/** ActiveSpeakers with a context that records what it announces (the lane's only output). */
function speakers(): { lane: ActiveSpeakers; announced: string[][] } {
  const announced: string[][] = [];
  let seq = 0;
  const ctx = {
    nextSeq: () => ++seq,
    delivery: {
      toEveryone(frame: Uint8Array) {
        const d = decodeEnvelope(frame);
        if (!d.ok) throw new Error('bad frame');
        announced.push([...(d.value.activeSpeakers?.participants ?? [])]);
        return 0;
      },
    },
  } as unknown as LaneContext;
  return { lane: new ActiveSpeakers(ctx), announced };
}

const member = (participantId: string): Member => ({ participantId }) as unknown as Member;

describe('active speakers', () => {
  it('announces the loudest recent speakers, drops the silent after about a second, and takes them back', () => {
    const { lane, announced } = speakers();
    const loud = member('loud');
    const soft = member('soft');
    let loudEntry: SpeakerLevel | null = null;
    let softEntry: SpeakerLevel | null = null;
    for (let i = 0; i < 3; i++) {
      loudEntry = lane.observe(loud, 90, loudEntry);
      softEntry = lane.observe(soft, 20, softEntry);
    }
    lane.tick();
    expect(announced).toEqual([['loud', 'soft']]);
    // The same frames again change nothing: no announcement.
    loudEntry = lane.observe(loud, 90, loudEntry);
    softEntry = lane.observe(soft, 20, softEntry);
    lane.tick();
    expect(announced).toHaveLength(1);
    // Only soft keeps talking: loud falls out once its level is older than the window (4 ticks).
    for (let t = 0; t < 6; t++) {
      softEntry = lane.observe(soft, 20, softEntry);
      lane.tick();
    }
    expect(announced[announced.length - 1]).toEqual(['soft']);
    // loud's kept entry was dropped from the table; its next frame puts it back.
    const back = lane.observe(loud, 90, loudEntry);
    expect(back).toBe(loudEntry);
    lane.tick();
    expect(announced[announced.length - 1]).toEqual(['loud', 'soft']);
    // A participant who left is forgotten at once, even with an entry still kept by its track.
    lane.forget('soft');
    lane.tick();
    expect(announced[announced.length - 1]).toEqual(['loud']);
  });
});
