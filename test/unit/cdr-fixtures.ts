/** A hand-made, mutable MeetingView for CDR tests (the core's Meeting is not needed to test records). */
import { LANES, type ActivityCounts, type Feature, type Lane, type LaneStats, type LeaveReason, type MeetingView, type ParticipantView, type Role } from '../../relay/meeting/meeting.types.js';

export class TestMeeting implements MeetingView {
  meetingId: string;
  cdrId: string;
  relayNode: string;
  startedAt: number;
  participants = new Map<string, ParticipantView>();
  peakParticipants = 0;
  features = new Set<Feature>();
  lanes: Record<Lane, LaneStats>;
  activity: ActivityCounts = { hostActions: {}, pollsOpened: 0, pollAnswers: 0, documentsOffered: 0, tracksPublished: 0 };

  constructor(init: { meetingId?: string; cdrId?: string; relayNode?: string; startedAt?: number } = {}) {
    this.meetingId = init.meetingId ?? 'meeting-1';
    this.cdrId = init.cdrId ?? 'cdr-0001';
    this.relayNode = init.relayNode ?? 'node-a';
    this.startedAt = init.startedAt ?? Date.UTC(2026, 0, 2, 10, 0, 0);
    this.lanes = {} as Record<Lane, LaneStats>;
    for (const lane of LANES) this.lanes[lane] = { framesIn: 0, bytesIn: 0, framesOut: 0, bytesOut: 0, dropped: 0 };
  }

  get present(): number {
    let n = 0;
    for (const p of this.participants.values()) if (p.spans.some((s) => s.leftAt === undefined)) n++;
    return n;
  }

  /** Adds a join span the way the core does; returns the participant view. */
  join(id: string, role: Role, at: number, extra: { displayName?: string; remoteAddress?: string } = {}): ParticipantView {
    let p = this.participants.get(id);
    if (!p) {
      p = { id, role, spans: [], ...extra };
      this.participants.set(id, p);
    }
    p.role = role;
    p.spans.push({ joinedAt: at });
    this.peakParticipants = Math.max(this.peakParticipants, this.present);
    return p;
  }

  leave(id: string, reason: LeaveReason, at: number): ParticipantView {
    const p = this.participants.get(id);
    if (!p) throw new Error(`no participant ${id}`);
    const span = p.spans[p.spans.length - 1];
    if (span && span.leftAt === undefined) {
      span.leftAt = at;
      span.leaveReason = reason;
    }
    return p;
  }

  /** Closes every open span the way Meeting.end does. */
  closeAll(reason: LeaveReason, at: number): void {
    for (const p of this.participants.values()) {
      const span = p.spans[p.spans.length - 1];
      if (span && span.leftAt === undefined) {
        span.leftAt = at;
        span.leaveReason = reason;
      }
    }
  }
}

export const T0 = Date.UTC(2026, 0, 2, 10, 0, 0);
export const MIN = 60_000;
