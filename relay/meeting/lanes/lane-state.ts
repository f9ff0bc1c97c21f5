/** The per-meeting state of the lanes: media tracks, active speakers, polls, document transfers. */
import type { Meeting } from '../meeting.js';
import type { Session } from '../session.js';
import { MediaTrack, unpublishTrack } from './media.js';
import { ActiveSpeakers } from './active-speakers.js';

export class MeetingLaneState {
  /** Published tracks by publisher, then by the publisher's track id. */
  private readonly tracks = new Map<Session, Map<number, MediaTrack>>();
  readonly speakers: ActiveSpeakers;

  constructor(private readonly meeting: Meeting) {
    this.speakers = new ActiveSpeakers(meeting);
  }

  tracksOf(session: Session): Map<number, MediaTrack> {
    let map = this.tracks.get(session);
    if (map === undefined) {
      map = new Map();
      this.tracks.set(session, map);
    }
    return map;
  }

  allTracks(): MediaTrack[] {
    const out: MediaTrack[] = [];
    for (const m of this.tracks.values()) for (const t of m.values()) out.push(t);
    return out;
  }

  /** Periodic work (active speakers). */
  tick(): void {
    this.speakers.tick();
  }

  /** A participant left: its tracks go, its subscriptions go. */
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
  }

  /** The meeting ended: drop every reference. */
  close(): void {
    this.tracks.clear();
  }
}
