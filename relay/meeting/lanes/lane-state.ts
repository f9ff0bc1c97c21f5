/**
 * The per-meeting state of the lanes: media tracks, active speakers, polls, document transfers. It holds
 * structure and counters only, never content, and goes with the meeting (close()).
 */
import type { Meeting } from '../meeting.js';
import type { Session } from '../session.js';
import { MediaTrack, unpublishTrack } from './media.js';
import { ActiveSpeakers } from './active-speakers.js';
import { PollBook } from './poll-state.js';
import { TransferBook } from './document-transfer.js';
import { resolveLaneOptions, type ResolvedLaneOptions } from './lane-options.js';

export class MeetingLaneState {
  /** Published tracks by publisher, then by the publisher's track id. */
  private readonly tracks = new Map<Session, Map<number, MediaTrack>>();
  readonly speakers: ActiveSpeakers;
  readonly polls: PollBook;
  readonly documents: TransferBook;
  readonly options: ResolvedLaneOptions;

  constructor(private readonly meeting: Meeting) {
    this.options = resolveLaneOptions(meeting.ctx.options, meeting.ctx.lanes);
    this.speakers = new ActiveSpeakers(meeting);
    this.polls = new PollBook(meeting, this.options);
    this.documents = new TransferBook(meeting, this.options);
  }

  /** The tracks a participant publishes, created on first use. */
  tracksOf(session: Session): Map<number, MediaTrack> {
    let map = this.tracks.get(session);
    if (map === undefined) {
      map = new Map();
      this.tracks.set(session, map);
    }
    return map;
  }

  /** The tracks a participant publishes, or undefined (no allocation: used on the media hot path). */
  publishedBy(session: Session): Map<number, MediaTrack> | undefined {
    return this.tracks.get(session);
  }

  allTracks(): MediaTrack[] {
    const out: MediaTrack[] = [];
    for (const m of this.tracks.values()) for (const t of m.values()) out.push(t);
    return out;
  }

  /** Periodic work (every 250 ms): active speakers, stalled document receivers. */
  tick(): void {
    this.speakers.tick();
    this.documents.dropStalled(performance.now());
  }

  /** A participant left: its tracks go, its subscriptions go, its transfers end or go on without it. */
  participantLeft(session: Session): void {
    const own = this.tracks.get(session);
    if (own !== undefined) {
      this.tracks.delete(session);
      for (const track of own.values()) unpublishTrack(this.meeting, track);
    }
    for (const map of this.tracks.values()) {
      for (const track of map.values()) {
        track.subscribers.delete(session);
        track.waitingForKeyframe.delete(session);
      }
    }
    this.speakers.forget(session.participantId);
    this.documents.participantLeft(session);
  }

  /** The meeting ended: drop every reference and stop every timer. Idempotent. */
  close(): void {
    this.tracks.clear();
    this.polls.clear();
    this.documents.clear();
  }
}
