/**
 * Media lanes (lossy): tracks, subscriptions and frames. A receiver gets only the tracks it subscribed to.
 * A frame is encoded once (into the forward encoder's scratch buffer, zeroed after the fan-out) and goes to the track's subscribers by native topic publish while nobody is congested;
 * once someone is, the relay sends per receiver and drops for the congested ones only (counted on the track's
 * lane). After a drop, a video/screen receiver gets nothing on that track until the next keyframe (skipped frames
 * count as drops), and the publisher is asked for one once the receiver can take it (KEYFRAME_REQUEST, at most
 * one per 500 ms per track). A new subscriber of a video/screen track also starts at a keyframe (not a drop).
 */
import { encodeEnvelope, Kind, TrackSource, type Envelope } from '../../../protocol/index.js';
import type { Lane } from '../meeting.types.js';
import type { Meeting } from '../meeting.js';
import type { Session } from '../session.js';
import { CAP_AUDIO, CAP_SCREEN, CAP_VIDEO } from '../permissions.js';
import { refuse } from './refuse.js';
import { encodeForwardFrame, releaseForwardFrame, type ForwardFields } from '../../../protocol/forward-frame.js';
import type { MediaEnvelope } from '../../../protocol/media-scan.js';

/** Keyframe requests to one publisher for one track at most this often. */
export const KEYFRAME_REQUEST_INTERVAL_MS = 500;
/** Tracks one participant may publish at once. */
export const MAX_TRACKS_PER_PUBLISHER = 16;
/** Longest codec name (informational, forwarded to everyone). */
const MAX_CODEC_LENGTH = 64;

const EMPTY = new Uint8Array(0);
/** Reused for every media frame: no allocation per frame; content references are cleared after each use. */
const FWD: ForwardFields = { kind: Kind.MEDIA, from: EMPTY, seq: 0, audience: 0, to: null, track: 0, keyframe: false, timestamp: 0, audioLevel: 0, payload: EMPTY };

/** Numbers track topics (unique in the process, short: uWS hashes the topic name on every publish). */
let trackCounter = 0;

export class MediaTrack {
  readonly topic: string;
  readonly lane: Lane;
  readonly needsKeyframes: boolean;
  readonly subscribers = new Set<Session>();
  /**
   * Receivers that wait for the next keyframe: true after a drop (what they miss meanwhile counts as dropped),
   * false after subscribing (not a loss).
   */
  readonly waitingForKeyframe = new Map<Session, boolean>();
  lastKeyframeRequestAt = -Infinity;

  constructor(meeting: Meeting, readonly publisher: Session, readonly id: number, readonly source: number, readonly codec: string) {
    this.topic = `${meeting.topic}t${(++trackCounter).toString(36)}`;
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
  if (info == null || cap === undefined || !info.id || (info.codec ?? '').length > MAX_CODEC_LENGTH) return refuse(session, 'RELAY_ERR_BAD_REQUEST', env.ref);
  if ((session.capabilities & cap) === 0) return refuse(session, 'RELAY_ERR_NOT_PERMITTED', env.ref);
  const tracks = meeting.laneState.tracksOf(session);
  const previous = tracks.get(info.id);
  if (previous === undefined && tracks.size >= MAX_TRACKS_PER_PUBLISHER) return refuse(session, 'RELAY_ERR_BAD_REQUEST', env.ref);
  // Publishing an id again replaces the track: its subscribers are told it went and subscribe anew.
  if (previous !== undefined) {
    tracks.delete(info.id);
    unpublishTrack(meeting, previous);
  }
  const track = new MediaTrack(meeting, session, info.id, source, info.codec ?? '');
  tracks.set(info.id, track);
  meeting.activity.tracksPublished++;
  meeting.markFeature(FEATURE_FOR_LANE[track.lane as 'audio' | 'video' | 'screen']);
  announce(meeting, Kind.TRACK_PUBLISH, track);
}

function announce(meeting: Meeting, kind: Kind, track: MediaTrack): void {
  const frame = encodeEnvelope({ kind, from: track.publisher.participantId, seq: meeting.nextSeq(), trackInfo: track.info() });
  meeting.transport.publish(meeting.topic, frame);
  meeting.lanes.control.framesOut += meeting.sessions.size;
  meeting.lanes.control.bytesOut += meeting.sessions.size * frame.length;
}

/** Ends a track: its subscribers leave its topic and everyone is told (unless the meeting is ending). */
export function unpublishTrack(meeting: Meeting, track: MediaTrack): void {
  for (const sub of track.subscribers) sub.conn?.unsubscribe(track.topic);
  track.subscribers.clear();
  track.waitingForKeyframe.clear();
  if (!meeting.ended) announce(meeting, Kind.TRACK_UNPUBLISH, track);
}

export function handleTrackUnpublish(meeting: Meeting, session: Session, env: Envelope): void {
  const id = env.trackInfo?.id || env.track;
  const tracks = meeting.laneState.publishedBy(session);
  const track = tracks?.get(id);
  if (track === undefined) return refuse(session, 'RELAY_ERR_UNKNOWN_TRACK', env.ref);
  tracks!.delete(id);
  unpublishTrack(meeting, track);
}

/** After a role change: the participant's tracks it may no longer publish are unpublished. */
export function enforceTrackCapabilities(meeting: Meeting, session: Session): void {
  const tracks = meeting.laneState.publishedBy(session);
  if (tracks === undefined) return;
  for (const [id, track] of [...tracks]) {
    if ((session.capabilities & (CAP_FOR_SOURCE[track.source] ?? 0)) === 0) {
      tracks.delete(id);
      unpublishTrack(meeting, track);
    }
  }
}

export function handleSubscription(meeting: Meeting, session: Session, env: Envelope, subscribe: boolean): void {
  const sub = env.subscription;
  const publisher = sub?.publisher ? meeting.sessions.get(sub.publisher) : undefined;
  const track = publisher ? meeting.laneState.publishedBy(publisher)?.get(sub?.track ?? 0) : undefined;
  if (track === undefined || publisher === session) return refuse(session, 'RELAY_ERR_UNKNOWN_TRACK', env.ref);
  if (subscribe) {
    if (track.subscribers.has(session)) return;
    track.subscribers.add(session);
    session.conn?.subscribe(track.topic);
    if (track.needsKeyframes) {
      track.waitingForKeyframe.set(session, false);
      requestKeyframe(meeting, track, performance.now());
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

/** The per-frame hot path: no closures, one encode, native publish unless someone is congested. */
export function handleMediaFrame(meeting: Meeting, session: Session, env: MediaEnvelope, size: number): void {
  const track = meeting.laneState.publishedBy(session)?.get(env.track);
  if (track === undefined) return refuse(session, 'RELAY_ERR_UNKNOWN_TRACK', env.ref);
  const stats = meeting.lanes[track.lane];
  stats.framesIn++;
  stats.bytesIn += size;
  if (env.audioLevel > 0 && track.lane === 'audio') meeting.laneState.speakers.observe(session, env.audioLevel);
  const subscribers = track.subscribers;
  if (subscribers.size === 0) return;
  FWD.from = session.idBytes;
  FWD.seq = meeting.nextSeq();
  FWD.track = env.track;
  FWD.keyframe = env.keyframe;
  FWD.timestamp = env.timestamp;
  FWD.audioLevel = env.audioLevel;
  FWD.payload = env.payload;
  const frame = encodeForwardFrame(FWD);
  FWD.from = EMPTY;
  FWD.payload = EMPTY;
  const limit = meeting.ctx.options.lossyDropBytes;
  const waiting = track.waitingForKeyframe;
  let congested = waiting.size > 0;
  // Receivers' backlogs are read per frame only while the periodic check found one past the limit: until then a
  // receiver's backlog grows by at most one check interval of frames (the hard cap still applies).
  if (!congested && meeting.congestedReceivers > 0) {
    for (const sub of subscribers) {
      const conn = sub.conn;
      if (conn !== null && conn.bufferedAmount() > limit) {
        congested = true;
        break;
      }
    }
  }
  if (!congested) {
    session.conn!.publish(track.topic, frame);
    stats.framesOut += subscribers.size;
    stats.bytesOut += subscribers.size * frame.length;
    releaseForwardFrame(frame);
    return;
  }
  const keyframe = env.keyframe;
  for (const sub of subscribers) {
    const conn = sub.conn;
    if (conn === null) continue;
    const wait = waiting.get(sub);
    if (wait !== undefined && !keyframe) {
      if (wait) stats.dropped++;
      // Ask for a keyframe only once this receiver could take it: a stuck receiver does not cause a keyframe storm.
      if (conn.bufferedAmount() <= limit) requestKeyframe(meeting, track, performance.now());
      continue;
    }
    if (conn.bufferedAmount() > limit) {
      stats.dropped++;
      if (track.needsKeyframes) waiting.set(sub, true);
      continue;
    }
    if (wait !== undefined) waiting.delete(sub);
    conn.send(frame);
    stats.framesOut++;
    stats.bytesOut += frame.length;
  }
  releaseForwardFrame(frame);
}
