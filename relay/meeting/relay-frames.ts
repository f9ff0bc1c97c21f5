/** Builders for the frames the relay itself originates (welcome, roster, errors, meeting end). */
import { encodeEnvelope, ErrorCodes, Kind, PROTOCOL_VERSION, RosterChange, type ErrorCode, type Participant, type RosterUpdate } from '../../protocol/index.js';
import type { ParticipantView } from './meeting.types.js';
import type { Member } from './delivery.types.js';
import { capabilityList } from './permissions.js';

export function participantInfo(view: ParticipantView, session: Member | undefined): Participant {
  const span = view.spans[view.spans.length - 1];
  return {
    id: view.id,
    role: view.role,
    capabilities: session ? capabilityList(session.capabilities) : [],
    displayName: view.displayName ?? '',
    joinedAt: span?.joinedAt ?? 0,
  };
}

export function errorFrame(code: ErrorCode, ref = 0): Uint8Array {
  const spec = ErrorCodes[code];
  return encodeEnvelope({ kind: Kind.ERROR, ref, error: { code, message: spec.message, closeCode: spec.close, ref } });
}

export function rosterFrame(change: number, participant: Participant, reason: string, seq: number): Uint8Array {
  return encodeEnvelope({ kind: Kind.ROSTER, seq, roster: { change: change as RosterChange, participant, reason } });
}

/** A ROSTER_BATCH: coalesced changes (or, with `page`, part of the roster that follows a WELCOME) and the count. */
export function rosterBatchFrame(updates: RosterUpdate[], participantCount: number, staffOnly: boolean, page: boolean, seq: number): Uint8Array {
  return encodeEnvelope({ kind: Kind.ROSTER_BATCH, seq, rosterBatch: { updates, participantCount, staffOnly, page } });
}

export function meetingEndedFrame(reason: string, seq: number): Uint8Array {
  return encodeEnvelope({ kind: Kind.MEETING_ENDED, seq, meetingEnded: { reason } });
}

export interface WelcomeInit {
  meetingId: string;
  you: Participant;
  roster: Participant[];
  relayNode: string;
  startedAt: number;
  tracks: Array<{ id: number; source: number; codec: string; publisher: string }>;
  locked: boolean;
  limits: { maxFrameBytes: number; maxFramesPerSecond: number; idleTimeoutMs: number; maxReliableBacklogBytes: number };
  /** Resume (all optional: absent when resume is off). */
  seq?: number;
  resumed?: boolean;
  resumeCredential?: string;
  resumeGraceMs?: number;
  resumeGap?: boolean;
  /** Everyone present; whether `roster` lists the staff only (large meeting); how many follow in pages. */
  participantCount: number;
  staffOnly: boolean;
  rosterFollows: number;
}

export function welcomeFrame(w: WelcomeInit): Uint8Array {
  return encodeEnvelope({
    kind: Kind.WELCOME,
    seq: w.seq ?? 0,
    welcome: {
      protocolVersion: PROTOCOL_VERSION,
      meetingId: w.meetingId,
      you: w.you,
      roster: w.roster,
      relayNode: w.relayNode,
      startedAt: w.startedAt,
      tracks: w.tracks,
      locked: w.locked,
      limits: w.limits,
      resumeCredential: w.resumeCredential ?? '',
      resumed: w.resumed ?? false,
      resumeGraceMs: w.resumeGraceMs ?? 0,
      resumeGap: w.resumeGap ?? false,
      participantCount: w.participantCount,
      staffOnly: w.staffOnly,
      rosterFollows: w.rosterFollows,
    },
  });
}

export { RosterChange };
