/**
 * The roster a joiner's WELCOME carries, bounded whatever the audience: at most `pageSize` participants in the
 * WELCOME itself, the rest (only the staff's view of a large meeting is long) in ROSTER_BATCH pages sent right after
 * it. Attendees of a large meeting get the staff and themselves, listed from the batcher's staff map, so their
 * join does not walk the audience.
 */
import type { Participant } from '../../protocol/index.js';
import type { ParticipantView } from './meeting.types.js';
import type { Session } from './session.js';
import type { RosterBatcher } from './roster-batcher.js';
import { participantInfo, rosterBatchFrame } from './relay-frames.js';
import { isStaff } from './roster-visibility.js';

/** What the builder needs of the meeting. */
export interface WelcomeRosterMeeting {
  readonly sessions: ReadonlyMap<string, Session>;
  readonly participants: ReadonlyMap<string, ParticipantView>;
  readonly rosterBatcher: RosterBatcher;
  /** Participants present on every relay of the meeting. */
  readonly rosterCount: number;
  /** Roster entries of the members on other relays (cluster mode). */
  remoteInfos(): Participant[];
  /** ... of the staff among them only (an attendee's WELCOME of a large meeting does not walk the audience). */
  remoteStaffInfos(): Participant[];
  nextSeq(): number;
}

export interface WelcomeRoster {
  /** Listed in the WELCOME (the joiner included). */
  readonly roster: Participant[];
  /** The WELCOME's staff_only flag. */
  readonly staffOnly: boolean;
  /** How many more participants the pages after the WELCOME list. */
  readonly follows: number;
  /** Encoded ROSTER_BATCH pages to send after the WELCOME, in order. */
  readonly pages: Uint8Array[];
}

const NO_PAGES: Uint8Array[] = [];

/** Builds the joiner's WELCOME roster and the pages that follow it. */
export function buildWelcomeRoster(meeting: WelcomeRosterMeeting, joiner: Session, pageSize: number): WelcomeRoster {
  const staffOnly = meeting.rosterBatcher.large && !isStaff(joiner.role);
  const list: Participant[] = [];
  const add = (s: Session): void => {
    const view = meeting.participants.get(s.participantId);
    if (view !== undefined) list.push(participantInfo(view, s));
  };
  if (staffOnly) {
    add(joiner);
    for (const s of meeting.rosterBatcher.staff.values()) if (s !== joiner) add(s);
    for (const p of meeting.remoteStaffInfos()) list.push(p);
  } else {
    // The joiner first, so that it is in the WELCOME even when the roster spills into pages.
    add(joiner);
    for (const s of meeting.sessions.values()) if (s !== joiner) add(s);
    for (const p of meeting.remoteInfos()) list.push(p);
  }
  if (list.length <= pageSize) return { roster: list, staffOnly, follows: 0, pages: NO_PAGES };
  const pages: Uint8Array[] = [];
  const count = meeting.rosterCount;
  for (let i = pageSize; i < list.length; i += pageSize) {
    const updates = list.slice(i, i + pageSize).map((participant) => ({ change: 0, participant, reason: '' }));
    pages.push(rosterBatchFrame(updates, count, staffOnly, true, meeting.nextSeq()));
  }
  return { roster: list.slice(0, pageSize), staffOnly, follows: list.length - pageSize, pages };
}
