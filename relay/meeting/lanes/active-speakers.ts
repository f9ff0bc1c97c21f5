/** Active-speaker detection from the audio levels publishers put in the envelope. Announced when it changes. */
import { encodeEnvelope, Kind } from '../../../protocol/index.js';
import type { Member } from '../delivery.types.js';
import type { LaneContext } from './lane.types.js';

/** Levels heard within this many periodic ticks (250 ms each: about one second) count. */
const WINDOW_TICKS = 4;
/** At most this many speakers are announced. */
const MAX_SPEAKERS = 3;

/**
 * One speaker's smoothed level. The audio track keeps a reference to its publisher's entry, so that a frame
 * updates it with two stores: no map lookup and no clock read per frame (the clock is the tick count).
 */
export class SpeakerLevel {
  level = 0;
  /** The tick in which a frame last set the level. */
  heardAt = 0;
  /** False once the entry left the table (stale or the participant left): the next frame puts it back. */
  listed = true;
  constructor(readonly participantId: string) {}
}

export class ActiveSpeakers {
  private readonly levels = new Map<string, SpeakerLevel>();
  private announced = '';
  /** Periodic ticks so far: the clock frames are stamped with. */
  private ticks = 0;

  constructor(private readonly ctx: LaneContext) {}

  /**
   * Records one audio frame's level. `entry` is what the caller keeps for the member (null at its first frame);
   * the entry to keep from now on is returned.
   */
  observe(member: Member, level: number, entry: SpeakerLevel | null): SpeakerLevel {
    if (entry === null || !entry.listed) {
      let e = this.levels.get(member.participantId);
      if (e === undefined) {
        // A dropped entry starts again from this frame's level, not from what it was before the silence.
        e = entry ?? new SpeakerLevel(member.participantId);
        e.level = level;
        this.levels.set(member.participantId, e);
      }
      e.listed = true;
      entry = e;
    }
    // Smooth so that one loud frame does not flip the announcement.
    entry.level = entry.level * 0.7 + level * 0.3;
    entry.heardAt = this.ticks;
    return entry;
  }

  forget(participantId: string): void {
    const e = this.levels.get(participantId);
    if (e === undefined) return;
    e.listed = false;
    this.levels.delete(participantId);
  }

  /** Called periodically by the relay; announces the loudest recent speakers when the list changed. */
  tick(): void {
    const now = ++this.ticks;
    if (this.levels.size === 0 && this.announced === '') return;
    const recent: SpeakerLevel[] = [];
    for (const [id, e] of this.levels) {
      if (now - e.heardAt > WINDOW_TICKS) {
        e.listed = false;
        this.levels.delete(id);
      } else recent.push(e);
    }
    recent.sort((a, b) => b.level - a.level);
    const participants = recent.slice(0, MAX_SPEAKERS).map((e) => e.participantId);
    const key = participants.join('\n');
    if (key === this.announced) return;
    this.announced = key;
    const ctx = this.ctx;
    ctx.delivery.toEveryone(encodeEnvelope({ kind: Kind.ACTIVE_SPEAKERS, seq: ctx.nextSeq(), activeSpeakers: { participants } }), null, null);
  }
}
