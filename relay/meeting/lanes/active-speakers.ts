/** Active-speaker detection from the audio levels publishers put in the envelope. Announced when it changes. */
import { encodeEnvelope, Kind } from '../../../protocol/index.js';
import type { Member } from '../delivery.types.js';
import type { LaneContext } from './lane.types.js';

/** Levels older than this no longer count. */
const WINDOW_MS = 1_000;
/** At most this many speakers are announced. */
const MAX_SPEAKERS = 3;

export class ActiveSpeakers {
  private readonly levels = new Map<string, { level: number; at: number }>();
  private announced = '';

  constructor(private readonly ctx: LaneContext) {}

  observe(member: Member, level: number): void {
    const entry = this.levels.get(member.participantId);
    const now = performance.now();
    if (entry === undefined) this.levels.set(member.participantId, { level, at: now });
    else {
      // Smooth so that one loud frame does not flip the announcement.
      entry.level = entry.level * 0.7 + level * 0.3;
      entry.at = now;
    }
  }

  forget(participantId: string): void {
    this.levels.delete(participantId);
  }

  /** Called periodically by the relay; announces the loudest recent speakers when the list changed. */
  tick(): void {
    if (this.levels.size === 0 && this.announced === '') return;
    const now = performance.now();
    const recent: Array<[string, number]> = [];
    for (const [id, e] of this.levels) {
      if (now - e.at > WINDOW_MS) this.levels.delete(id);
      else recent.push([id, e.level]);
    }
    recent.sort((a, b) => b[1] - a[1]);
    const participants = recent.slice(0, MAX_SPEAKERS).map(([id]) => id);
    const key = participants.join('\n');
    if (key === this.announced) return;
    this.announced = key;
    const ctx = this.ctx;
    ctx.delivery.toEveryone(encodeEnvelope({ kind: Kind.ACTIVE_SPEAKERS, seq: ctx.nextSeq(), activeSpeakers: { participants } }), null, null);
  }
}
