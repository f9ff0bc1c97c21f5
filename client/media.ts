/**
 * The client's media lanes: publish tracks (audio, video, screen), subscribe to others' tracks, send frames, and
 * typed events for frames, track announcements, keyframe requests and active speakers.
 */
import { encodeEnvelope, Kind, TrackSource, type Envelope, type EnvelopeInit, type Track } from '../protocol/index.js';
import type { MediaEvent, TrackEvent } from './client.types.js';

export interface MediaLaneHost {
  send(env: EnvelopeInit): number;
  sendRaw(bytes: Uint8Array): void;
  sealPayload(kind: Kind, payload: Uint8Array): Uint8Array;
}

export interface MediaLaneEvents {
  trackPublished(e: TrackEvent): void;
  trackUnpublished(e: TrackEvent): void;
  media(e: MediaEvent): void;
  keyframeRequest(e: { track: number }): void;
  activeSpeakers(e: { participants: string[] }): void;
}

export interface MediaFrameOptions {
  /** This frame starts a decodable sequence (video/screen). */
  keyframe?: boolean;
  /** The publisher's media timestamp, forwarded as is. */
  timestamp?: number;
  /** Audio: 0 (silence) to 127 (loud), for active-speaker detection. */
  audioLevel?: number;
}

const SOURCE_NAMES: Record<number, TrackEvent['source']> = { [TrackSource.AUDIO]: 'audio', [TrackSource.VIDEO]: 'video', [TrackSource.SCREEN]: 'screen' };
const SOURCE_CODES = { audio: TrackSource.AUDIO, video: TrackSource.VIDEO, screen: TrackSource.SCREEN } as const;

export function toTrackEvent(t: Track | null | undefined, from = ''): TrackEvent {
  return { publisher: t?.publisher || from, id: t?.id ?? 0, source: SOURCE_NAMES[t?.source ?? 0] ?? 'audio', codec: t?.codec ?? '' };
}

export class MediaLane {
  /** Tracks published now, keyed `${publisher}/${id}`. */
  readonly tracks = new Map<string, TrackEvent>();
  /** What this client published and subscribed to: a rejoin (a new session) asks for them again. */
  private readonly published = new Map<number, { id: number; source: 'audio' | 'video' | 'screen'; codec?: string }>();
  private readonly subscribed = new Map<string, { publisher: string; track: number }>();
  /** Subscriptions to ask for again once their track is announced (a relay may learn others' tracks after a WELCOME). */
  private readonly resubscribe = new Set<string>();

  constructor(private readonly host: MediaLaneHost, private readonly events: MediaLaneEvents, initial: readonly Track[]) {
    for (const t of initial) {
      const ev = toTrackEvent(t);
      this.tracks.set(`${ev.publisher}/${ev.id}`, ev);
    }
  }

  publishTrack(track: { id: number; source: 'audio' | 'video' | 'screen'; codec?: string }): number {
    this.published.set(track.id, { ...track });
    return this.host.send({ kind: Kind.TRACK_PUBLISH, trackInfo: { id: track.id, source: SOURCE_CODES[track.source], codec: track.codec ?? '' } });
  }

  unpublishTrack(id: number): number {
    this.published.delete(id);
    return this.host.send({ kind: Kind.TRACK_UNPUBLISH, track: id, trackInfo: { id } });
  }

  subscribe(publisher: string, track: number): number {
    this.subscribed.set(`${publisher}/${track}`, { publisher, track });
    return this.host.send({ kind: Kind.TRACK_SUBSCRIBE, subscription: { publisher, track } });
  }

  unsubscribe(publisher: string, track: number): number {
    this.subscribed.delete(`${publisher}/${track}`);
    return this.host.send({ kind: Kind.TRACK_UNSUBSCRIBE, subscription: { publisher, track } });
  }

  /**
   * After a rejoin (a new session): the tracks now published are the new WELCOME's (the difference raised as
   * trackPublished / trackUnpublished); this client's own tracks are published again and its subscriptions to
   * tracks are asked for again (now, or when the new relay announces the track).
   */
  onRejoined(tracks: readonly Track[], you: string): void {
    const before = new Map(this.tracks);
    this.tracks.clear();
    for (const t of tracks) {
      const ev = toTrackEvent(t);
      if (ev.publisher !== you) this.tracks.set(`${ev.publisher}/${ev.id}`, ev);
    }
    // What changed while away is announced as if it had been seen (others' tracks only: yours are published again).
    for (const [key, t] of before) if (t.publisher !== you && !this.tracks.has(key)) this.events.trackUnpublished(t);
    for (const [key, t] of this.tracks) if (!before.has(key)) this.events.trackPublished(t);
    for (const t of this.published.values()) this.host.send({ kind: Kind.TRACK_PUBLISH, trackInfo: { id: t.id, source: SOURCE_CODES[t.source], codec: t.codec ?? '' } });
    // A relay that had no member of the meeting learns the other relays' tracks after the WELCOME: a subscription
    // to a track it does not list yet is asked for when the track is announced (or dropped when it is unpublished).
    this.resubscribe.clear();
    for (const [key, s] of this.subscribed) {
      if (this.tracks.has(key)) this.host.send({ kind: Kind.TRACK_SUBSCRIBE, subscription: { publisher: s.publisher, track: s.track } });
      else this.resubscribe.add(key);
    }
  }

  /** Sends one media frame on a track you published. */
  sendMedia(track: number, payload: Uint8Array, opts: MediaFrameOptions = {}): void {
    this.host.sendRaw(
      encodeEnvelope({ kind: Kind.MEDIA, track, keyframe: opts.keyframe ?? false, timestamp: opts.timestamp ?? 0, audioLevel: opts.audioLevel ?? 0, payload: this.host.sealPayload(Kind.MEDIA, payload) }),
    );
  }

  handle(env: Envelope): void {
    switch (env.kind) {
      case Kind.MEDIA:
        this.events.media({
          from: env.from,
          track: env.track,
          keyframe: env.keyframe,
          timestamp: env.timestamp,
          audioLevel: env.audioLevel,
          seq: env.seq,
          payload: env.payload ?? new Uint8Array(),
        });
        return;
      case Kind.TRACK_PUBLISH: {
        const t = toTrackEvent(env.trackInfo, env.from);
        const key = `${t.publisher}/${t.id}`;
        this.tracks.set(key, t);
        // A subscription kept over a rejoin whose track the new relay announced after its WELCOME.
        if (this.resubscribe.delete(key)) this.host.send({ kind: Kind.TRACK_SUBSCRIBE, subscription: { publisher: t.publisher, track: t.id } });
        this.events.trackPublished(t);
        return;
      }
      case Kind.TRACK_UNPUBLISH: {
        const t = toTrackEvent(env.trackInfo, env.from);
        this.tracks.delete(`${t.publisher}/${t.id}`);
        this.resubscribe.delete(`${t.publisher}/${t.id}`);
        this.subscribed.delete(`${t.publisher}/${t.id}`);
        this.events.trackUnpublished(t);
        return;
      }
      case Kind.KEYFRAME_REQUEST:
        this.events.keyframeRequest({ track: env.keyframeRequest?.track ?? env.track });
        return;
      case Kind.ACTIVE_SPEAKERS:
        this.events.activeSpeakers({ participants: env.activeSpeakers?.participants ?? [] });
        return;
    }
  }
}
