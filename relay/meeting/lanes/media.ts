/**
 * Media lanes (lossy): tracks, subscriptions and frames. A receiver gets only the tracks it subscribed to.
 * A frame is encoded once (into the forward encoder's scratch buffer, zeroed after the fan-out) and goes to the
 * track's subscribers through the track's route (native topic publish) while nobody is congested; once someone
 * is, the relay sends per receiver and drops for the congested ones only (counted on the track's lane). After a
 * drop, a video/screen receiver gets nothing on that track until the next keyframe (skipped frames count as
 * drops), and the publisher is asked for one once the receiver can take it (KEYFRAME_REQUEST, at most one per
 * 500 ms per track). A new subscriber of a video/screen track also starts at a keyframe (not a drop).
 */
import { encodeEnvelope, Kind, TrackSource, type Envelope } from '../../../protocol/index.js';
import type { LaneName } from '../../../protocol/kind-lanes.js';
import type { MeetingDelivery, Member, TrackRoute } from '../delivery.types.js';
import { CAP_AUDIO, CAP_SCREEN, CAP_VIDEO } from '../permissions.js';
import { refuse } from './refuse.js';
import { encodeForwardFrame, releaseForwardFrame, type ForwardFields } from '../../../protocol/forward-frame.js';
import type { MediaEnvelope } from '../../../protocol/media-scan.js';
import type { LaneContext, LaneHandler } from './lane.types.js';
import type { LaneStats } from '../meeting.types.js';
import { ActiveSpeakers, type SpeakerLevel } from './active-speakers.js';

/** Keyframe requests to one publisher for one track at most this often. */
export const KEYFRAME_REQUEST_INTERVAL_MS = 500;
/** Tracks one participant may publish at once. */
export const MAX_TRACKS_PER_PUBLISHER = 16;
/** Longest codec name (informational, forwarded to everyone). */
const MAX_CODEC_LENGTH = 64;

const EMPTY = new Uint8Array(0);
/** Reused for every media frame: no allocation per frame; content references are cleared after each use. */
const FWD: ForwardFields = { kind: Kind.MEDIA, from: EMPTY, seq: 0, audience: 0, to: null, track: 0, keyframe: false, timestamp: 0, audioLevel: 0, payload: EMPTY };

export interface TrackInfo {
  id: number;
  source: number;
  codec: string;
  publisher: string;
}

export class MediaTrack {
  readonly lane: LaneName;
  readonly needsKeyframes: boolean;
  /** The lane's counters (set by the media lane: one property read per frame instead of a keyed lookup). */
  stats: LaneStats | null = null;
  /** The publisher's active-speaker entry, once an audio frame carried a level (kept to skip a lookup per frame). */
  speaker: SpeakerLevel | null = null;
  readonly subscribers = new Set<Member>();
  /**
   * Receivers that wait for the next keyframe: true after a drop (what they miss meanwhile counts as dropped),
   * false after subscribing (not a loss).
   */
  readonly waitingForKeyframe = new Map<Member, boolean>();
  lastKeyframeRequestAt = -Infinity;

  constructor(
    readonly route: TrackRoute,
    readonly publisher: Member,
    readonly id: number,
    readonly source: number,
    readonly codec: string,
    /** Published on another relay (cluster mode): its notices come from there. */
    readonly remote = false,
  ) {
    this.lane = source === TrackSource.AUDIO ? 'audio' : source === TrackSource.VIDEO ? 'video' : 'screen';
    this.needsKeyframes = source !== TrackSource.AUDIO;
  }

  info(): TrackInfo {
    return { id: this.id, source: this.source, codec: this.codec, publisher: this.publisher.participantId };
  }
}

const CAP_FOR_SOURCE: Record<number, number> = { [TrackSource.AUDIO]: CAP_AUDIO, [TrackSource.VIDEO]: CAP_VIDEO, [TrackSource.SCREEN]: CAP_SCREEN };
const FEATURE_FOR_LANE = { audio: 'audio', video: 'video', screen: 'screen_share' } as const;

export class MediaLane implements LaneHandler {
  readonly kinds = [Kind.TRACK_PUBLISH, Kind.TRACK_UNPUBLISH, Kind.TRACK_SUBSCRIBE, Kind.TRACK_UNSUBSCRIBE, Kind.MEDIA] as const;
  /** Published tracks by publisher, then by the publisher's track id. */
  private readonly tracks = new Map<Member, Map<number, MediaTrack>>();
  readonly speakers: ActiveSpeakers;

  /** Where media frames go (the meeting's delivery, minus decorators that do nothing for media). */
  private readonly lossy: MeetingDelivery;

  constructor(private readonly ctx: LaneContext) {
    this.speakers = new ActiveSpeakers(ctx);
    this.lossy = ctx.delivery.lossy ?? ctx.delivery;
  }

  /** The tracks a participant publishes, or undefined (no allocation: used on the media hot path). */
  publishedBy(member: Member): Map<number, MediaTrack> | undefined {
    return this.tracks.get(member);
  }

  allTracks(): MediaTrack[] {
    const out: MediaTrack[] = [];
    for (const m of this.tracks.values()) for (const t of m.values()) out.push(t);
    return out;
  }

  handle(sender: Member, env: Envelope, size: number): void {
    const control = this.ctx.stats.control;
    switch (env.kind) {
      case Kind.MEDIA:
        return this.handleMedia(sender, env, size);
      case Kind.TRACK_PUBLISH:
        control.framesIn++;
        control.bytesIn += size;
        return this.publish(sender, env);
      case Kind.TRACK_UNPUBLISH:
        control.framesIn++;
        control.bytesIn += size;
        return this.unpublish(sender, env);
      case Kind.TRACK_SUBSCRIBE:
      case Kind.TRACK_UNSUBSCRIBE:
        control.framesIn++;
        control.bytesIn += size;
        return this.subscription(sender, env, env.kind === Kind.TRACK_SUBSCRIBE);
    }
  }

  private publish(sender: Member, env: Envelope): void {
    const ctx = this.ctx;
    const info = env.trackInfo;
    const source = info?.source ?? 0;
    const cap = CAP_FOR_SOURCE[source];
    if (info == null || cap === undefined || !info.id || (info.codec ?? '').length > MAX_CODEC_LENGTH) return refuse(ctx.delivery, sender, 'RELAY_ERR_BAD_REQUEST', env.ref);
    if ((sender.capabilities & cap) === 0) return refuse(ctx.delivery, sender, 'RELAY_ERR_NOT_PERMITTED', env.ref);
    let tracks = this.tracks.get(sender);
    const previous = tracks?.get(info.id);
    if (previous === undefined && tracks !== undefined && tracks.size >= MAX_TRACKS_PER_PUBLISHER) return refuse(ctx.delivery, sender, 'RELAY_ERR_BAD_REQUEST', env.ref);
    if (tracks === undefined) {
      tracks = new Map();
      this.tracks.set(sender, tracks);
    }
    // Publishing an id again replaces the track: its subscribers are told it went and subscribe anew.
    if (previous !== undefined) {
      tracks.delete(info.id);
      this.unpublishTrack(previous);
    }
    const track = new MediaTrack(ctx.delivery.openTrack(sender, info.id), sender, info.id, source, info.codec ?? '');
    tracks.set(info.id, track);
    ctx.activity.tracksPublished++;
    ctx.markFeature(FEATURE_FOR_LANE[track.lane as 'audio' | 'video' | 'screen']);
    this.announce(Kind.TRACK_PUBLISH, track);
  }

  private announce(kind: Kind, track: MediaTrack): void {
    const ctx = this.ctx;
    const frame = encodeEnvelope({ kind, from: track.publisher.participantId, seq: ctx.nextSeq(), trackInfo: track.info() });
    if (track.remote) ctx.delivery.toLocal(frame, 'control');
    else ctx.delivery.toEveryone(frame, 'control', null);
  }

  /**
   * Ends a track: its subscribers leave its route and everyone is told (unless the meeting is ending). A remote
   * track's end is announced by its own relay, unless `announce` says this relay must tell its participants.
   */
  private unpublishTrack(track: MediaTrack, announce = !track.remote): void {
    this.ctx.delivery.closeTrack(track.route);
    track.subscribers.clear();
    track.waitingForKeyframe.clear();
    if (!this.ctx.ended && announce) this.announce(Kind.TRACK_UNPUBLISH, track);
  }

  /** Cluster mode: a member of another relay published a track. `announce`: tell this relay's participants. */
  addRemoteTrack(publisher: Member, info: TrackInfo, announce: boolean): MediaTrack | undefined {
    const lane = CAP_FOR_SOURCE[info.source];
    if (lane === undefined || !info.id) return undefined;
    let tracks = this.tracks.get(publisher);
    if (tracks === undefined) {
      tracks = new Map();
      this.tracks.set(publisher, tracks);
    }
    const previous = tracks.get(info.id);
    // The same track reported again (a relay's STATE repeated): keep it, with its subscribers.
    if (previous !== undefined && previous.source === info.source && previous.codec === info.codec) return previous;
    if (previous !== undefined) this.unpublishTrack(previous, false);
    const track = new MediaTrack(this.ctx.delivery.openTrack(publisher, info.id), publisher, info.id, info.source, info.codec, true);
    tracks.set(info.id, track);
    if (announce) this.announce(Kind.TRACK_PUBLISH, track);
    return track;
  }

  /** Cluster mode: a remote track ended (its relay told this relay's participants already). */
  removeRemoteTrack(publisher: Member, trackId: number): void {
    const tracks = this.tracks.get(publisher);
    const track = tracks?.get(trackId);
    if (track === undefined) return;
    tracks!.delete(trackId);
    this.unpublishTrack(track, false);
  }

  private unpublish(sender: Member, env: Envelope): void {
    const id = env.trackInfo?.id || env.track;
    const tracks = this.tracks.get(sender);
    const track = tracks?.get(id);
    if (track === undefined) return refuse(this.ctx.delivery, sender, 'RELAY_ERR_UNKNOWN_TRACK', env.ref);
    tracks!.delete(id);
    this.unpublishTrack(track);
  }

  /** After a role change: the participant's tracks it may no longer publish are unpublished. */
  memberChanged(member: Member): void {
    const tracks = this.tracks.get(member);
    if (tracks === undefined) return;
    for (const [id, track] of [...tracks]) {
      if ((member.capabilities & (CAP_FOR_SOURCE[track.source] ?? 0)) === 0) {
        tracks.delete(id);
        this.unpublishTrack(track);
      }
    }
  }

  private subscription(sender: Member, env: Envelope, subscribe: boolean): void {
    const ctx = this.ctx;
    const sub = env.subscription;
    const publisher = sub?.publisher ? ctx.roster.get(sub.publisher) : undefined;
    const track = publisher ? this.tracks.get(publisher)?.get(sub?.track ?? 0) : undefined;
    if (track === undefined || publisher === sender) return refuse(ctx.delivery, sender, 'RELAY_ERR_UNKNOWN_TRACK', env.ref);
    if (subscribe) {
      if (track.subscribers.has(sender)) return;
      track.subscribers.add(sender);
      ctx.delivery.subscribeTrack(sender, track.route);
      if (track.needsKeyframes) {
        track.waitingForKeyframe.set(sender, false);
        this.requestKeyframe(track, performance.now());
      }
    } else {
      if (!track.subscribers.delete(sender)) return;
      track.waitingForKeyframe.delete(sender);
      ctx.delivery.unsubscribeTrack(sender, track.route);
    }
  }

  private requestKeyframe(track: MediaTrack, now: number): void {
    if (now - track.lastKeyframeRequestAt < KEYFRAME_REQUEST_INTERVAL_MS) return;
    track.lastKeyframeRequestAt = now;
    const ctx = this.ctx;
    ctx.delivery.toOne(track.publisher, encodeEnvelope({ kind: Kind.KEYFRAME_REQUEST, seq: ctx.nextSeq(), track: track.id, keyframeRequest: { track: track.id } }), null);
  }

  /**
   * The per-frame hot path: no closures, one encode, the route's native publish unless someone is congested.
   * Takes the allocation-free scan (protocol/media-scan.ts) or a decoded Envelope: both carry the same fields.
   */
  handleMedia(sender: Member, env: MediaEnvelope, size: number): void {
    const ctx = this.ctx;
    const track = this.tracks.get(sender)?.get(env.track);
    if (track === undefined) return refuse(ctx.delivery, sender, 'RELAY_ERR_UNKNOWN_TRACK', env.ref);
    const stats = track.stats ?? (track.stats = ctx.stats[track.lane]);
    stats.framesIn++;
    stats.bytesIn += size;
    if (env.audioLevel > 0 && track.lane === 'audio') track.speaker = this.speakers.observe(sender, env.audioLevel, track.speaker);
    const subscribers = track.subscribers;
    if (subscribers.size === 0 && track.route.elsewhere === 0) return;
    FWD.from = sender.idBytes;
    FWD.seq = ctx.nextSeq();
    FWD.track = env.track;
    FWD.keyframe = env.keyframe;
    FWD.timestamp = env.timestamp;
    FWD.audioLevel = env.audioLevel;
    FWD.payload = env.payload;
    const frame = encodeForwardFrame(FWD);
    FWD.from = EMPTY;
    FWD.payload = EMPTY;
    const delivery = this.lossy;
    const limit = ctx.lossyDropBytes;
    let congested = track.waitingForKeyframe.size > 0;
    // Receivers' backlogs are read per frame only while the periodic check found one past the limit: until then a
    // receiver's backlog grows by at most one check interval of frames (the hard cap still applies).
    if (!congested && ctx.congestedReceivers > 0) {
      for (const sub of subscribers) {
        if (delivery.backlog(sub) > limit) {
          congested = true;
          break;
        }
      }
    }
    if (!congested) delivery.toTrack(track.route, frame, track.lane, sender, env.keyframe);
    else {
      delivery.toTrackElsewhere(track.route, frame, track.lane, env.keyframe);
      this.perReceiver(track, frame, env.keyframe);
    }
    releaseForwardFrame(frame);
  }

  /** Cluster mode: a frame of a remote track, fanned out to this relay's subscribers as a local one would be. */
  remoteFrame(track: MediaTrack, frame: Uint8Array, keyframe: boolean): void {
    if (track.subscribers.size === 0) return;
    const delivery = this.lossy;
    let congested = track.waitingForKeyframe.size > 0;
    if (!congested && this.ctx.congestedReceivers > 0) {
      for (const sub of track.subscribers) {
        if (delivery.backlog(sub) > this.ctx.lossyDropBytes) {
          congested = true;
          break;
        }
      }
    }
    if (!congested) delivery.toTrack(track.route, frame, track.lane, null);
    else this.perReceiver(track, frame, keyframe);
  }

  /** Sends per receiver: drops for congested ones, waits for a keyframe after a drop. */
  private perReceiver(track: MediaTrack, frame: Uint8Array, keyframe: boolean): void {
    const delivery = this.lossy;
    const limit = this.ctx.lossyDropBytes;
    const waiting = track.waitingForKeyframe;
    const stats = this.ctx.stats[track.lane];
    for (const sub of track.subscribers) {
      const wait = waiting.get(sub);
      if (wait !== undefined && !keyframe) {
        if (wait) stats.dropped++;
        // Ask for a keyframe only once this receiver could take it: a stuck receiver does not cause a keyframe storm.
        if (delivery.backlog(sub) <= limit) this.requestKeyframe(track, performance.now());
        continue;
      }
      if (delivery.backlog(sub) > limit) {
        stats.dropped++;
        if (track.needsKeyframes) waiting.set(sub, true);
        continue;
      }
      if (wait !== undefined) waiting.delete(sub);
      delivery.toOne(sub, frame, track.lane);
    }
  }

  /** A participant left: its tracks go, its subscriptions go. */
  participantLeft(member: Member): void {
    const own = this.tracks.get(member);
    if (own !== undefined) {
      this.tracks.delete(member);
      for (const track of own.values()) this.unpublishTrack(track);
    }
    for (const map of this.tracks.values()) {
      for (const track of map.values()) {
        if (track.subscribers.delete(member)) this.ctx.delivery.unsubscribeTrack(member, track.route);
        track.waitingForKeyframe.delete(member);
      }
    }
    this.speakers.forget(member.participantId);
  }

  tick(): void {
    this.speakers.tick();
  }

  close(): void {
    this.tracks.clear();
  }
}
