/**
 * Media lanes (lossy): tracks, subscriptions and frames. A frame goes to a track's subscribers by native
 * topic publish while nobody is congested; once someone is, the relay sends per receiver, drops for the
 * congested ones only (counted), and for video/screen makes them wait for the next keyframe while asking the
 * publisher for one (rate-limited).
 */
import { encodeEnvelope, Kind, TrackSource, type Envelope } from '../../../protocol/index.js';
import type { Lane } from '../meeting.types.js';
import type { Meeting } from '../meeting.js';
import type { Session } from '../session.js';
import { CAP_AUDIO, CAP_SCREEN, CAP_VIDEO } from '../permissions.js';
import { refuse } from './refuse.js';

/** Keyframe requests to one publisher for one track at most this often. */
const KEYFRAME_REQUEST_INTERVAL_MS = 500;

export class MediaTrack {
  readonly topic: string;
  readonly lane: Lane;
  readonly needsKeyframes: boolean;
  readonly subscribers = new Set<Session>();
  /** Receivers that missed a frame (or just subscribed) and wait for the next keyframe. */
  readonly waitingForKeyframe = new Set<Session>();
  lastKeyframeRequestAt = 0;

  constructor(meeting: Meeting, readonly publisher: Session, readonly id: number, readonly source: number, readonly codec: string) {
    this.topic = `${meeting.topic}/t/${publisher.participantId}/${id}`;
    this.lane = source === TrackSource.AUDIO ? 'audio' : source === TrackSource.VIDEO ? 'video' : 'screen';
    this.needsKeyframes = source !== TrackSource.AUDIO;
  }

  info(): { id: number; source: number; codec: string; publisher: string } {
    return { id: this.id, source: this.source, codec: this.codec, publisher: this.publisher.participantId };
  }
}

const CAP_FOR_SOURCE: Record<number, number> = { [TrackSource.AUDIO]: CAP_AUDIO, [TrackSource.VIDEO]: CAP_VIDEO, [TrackSource.SCREEN]: CAP_SCREEN };
const FEATURE_FOR_LANE = { audio: 'audio', video: 'video', screen: 'screen_share' } as const;

export function handleTrackPublish(meeting: Meeting, session: Session, env: Envelope): void {
  const info = env.trackInfo;
  const source = info?.source ?? 0;
  const cap = CAP_FOR_SOURCE[source];
  if (info == null || cap === undefined || !info.id) return refuse(session, 'RELAY_ERR_BAD_REQUEST', env.ref);
  if ((session.capabilities & cap) === 0) return refuse(session, 'RELAY_ERR_NOT_PERMITTED', env.ref);
  const tracks = meeting.laneState.tracksOf(session);
  tracks.get(info.id)?.subscribers.clear();
  const track = new MediaTrack(meeting, session, info.id, source, info.codec ?? '');
  tracks.set(info.id, track);
  meeting.activity.tracksPublished++;
  meeting.markFeature(FEATURE_FOR_LANE[track.lane as 'audio' | 'video' | 'screen']);
  meeting.transport.publish(meeting.topic, encodeEnvelope({ kind: Kind.TRACK_PUBLISH, from: session.participantId, seq: meeting.nextSeq(), trackInfo: track.info() }));
}

export function unpublishTrack(meeting: Meeting, track: MediaTrack): void {
  for (const sub of track.subscribers) sub.conn?.unsubscribe(track.topic);
  track.subscribers.clear();
  track.waitingForKeyframe.clear();
  if (!meeting.ended) {
    meeting.transport.publish(meeting.topic, encodeEnvelope({ kind: Kind.TRACK_UNPUBLISH, from: track.publisher.participantId, seq: meeting.nextSeq(), trackInfo: track.info() }));
  }
}

export function handleTrackUnpublish(meeting: Meeting, session: Session, env: Envelope): void {
  const id = env.trackInfo?.id ?? env.track;
  const tracks = meeting.laneState.tracksOf(session);
  const track = tracks.get(id);
  if (track === undefined) return refuse(session, 'RELAY_ERR_UNKNOWN_TRACK', env.ref);
  tracks.delete(id);
  unpublishTrack(meeting, track);
}

export function handleSubscription(meeting: Meeting, session: Session, env: Envelope, subscribe: boolean): void {
  const sub = env.subscription;
  const publisher = sub?.publisher ? meeting.sessions.get(sub.publisher) : undefined;
  const track = publisher ? meeting.laneState.tracksOf(publisher).get(sub?.track ?? 0) : undefined;
  if (track === undefined || publisher === session) return refuse(session, 'RELAY_ERR_UNKNOWN_TRACK', env.ref);
  if (subscribe) {
    if (track.subscribers.has(session)) return;
    track.subscribers.add(session);
    session.conn?.subscribe(track.topic);
    if (track.needsKeyframes) {
      track.waitingForKeyframe.add(session);
      requestKeyframe(meeting, track, Date.now());
    }
  } else {
    track.subscribers.delete(session);
    track.waitingForKeyframe.delete(session);
    session.conn?.unsubscribe(track.topic);
  }
}

function requestKeyframe(meeting: Meeting, track: MediaTrack, now: number): void {
  if (now - track.lastKeyframeRequestAt < KEYFRAME_REQUEST_INTERVAL_MS) return;
  track.lastKeyframeRequestAt = now;
  track.publisher.send(encodeEnvelope({ kind: Kind.KEYFRAME_REQUEST, seq: meeting.nextSeq(), track: track.id, keyframeRequest: { track: track.id } }));
}

/** The per-frame hot path. */
export function handleMediaFrame(meeting: Meeting, session: Session, env: Envelope, size: number): void {
  const track = meeting.laneState.tracksOf(session).get(env.track);
  if (track === undefined) return refuse(session, 'RELAY_ERR_UNKNOWN_TRACK', env.ref);
  const stats = meeting.lanes[track.lane];
  stats.framesIn++;
  stats.bytesIn += size;
  if (track.subscribers.size === 0) return;
  if (env.audioLevel > 0) meeting.laneState.speakers.observe(session, env.audioLevel);
  const frame = encodeEnvelope({
    kind: Kind.MEDIA,
    from: session.participantId,
    seq: meeting.nextSeq(),
    track: env.track,
    keyframe: env.keyframe,
    timestamp: env.timestamp,
    audioLevel: env.audioLevel,
    payload: env.payload,
  });
  const limit = meeting.ctx.options.lossyDropBytes;
  let congested = track.waitingForKeyframe.size > 0;
  if (!congested) {
    for (const sub of track.subscribers) {
      if (sub.conn !== null && sub.conn.bufferedAmount() > limit) {
        congested = true;
        break;
      }
    }
  }
  if (!congested) {
    session.conn!.publish(track.topic, frame);
    stats.framesOut += track.subscribers.size;
    stats.bytesOut += track.subscribers.size * frame.length;
    return;
  }
  const keyframe = env.keyframe;
  for (const sub of track.subscribers) {
    const conn = sub.conn;
    if (conn === null) continue;
    if (!keyframe && track.waitingForKeyframe.has(sub)) {
      stats.dropped++;
      requestKeyframe(meeting, track, Date.now());
      continue;
    }
    if (conn.bufferedAmount() > limit) {
      stats.dropped++;
      if (track.needsKeyframes) {
        track.waitingForKeyframe.add(sub);
        requestKeyframe(meeting, track, Date.now());
      }
      continue;
    }
    if (keyframe) track.waitingForKeyframe.delete(sub);
    conn.send(frame);
    stats.framesOut++;
    stats.bytesOut += frame.length;
  }
}
