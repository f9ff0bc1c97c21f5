/**
 * The Ephemera client: one participant's connection to a meeting. Works in Node (the `ws` package) and in
 * browsers (native WebSocket); both expose the same browser-style API, which is all this class uses.
 */
import {
  Audience,
  CloseCode,
  decodeChatMessage,
  decodeEnvelope,
  encodeChatMessage,
  encodeEnvelope,
  HostAction,
  Kind,
  RosterChange,
  TrackSource,
  type EnvelopeInit,
  type Envelope,
  type Participant,
  type Welcome,
} from '../protocol/index.js';
import { TypedEmitter } from './typed-emitter.js';
import type { ChatEvent, CloseEvent, ErrorEvent, HostControlEvent, MediaEvent, RosterEvent, RosterParticipant, TrackEvent } from './client.types.js';

/** The browser WebSocket surface the client needs (ws in Node implements it too). */
export interface WebSocketLike {
  binaryType: string;
  readonly readyState: number;
  readonly bufferedAmount: number;
  send(data: Uint8Array): void;
  close(code?: number, reason?: string): void;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  onopen: ((ev: unknown) => void) | null;
}

export interface ClientEvents {
  chat: (e: ChatEvent) => void;
  roster: (e: RosterEvent) => void;
  error: (e: ErrorEvent) => void;
  close: (e: CloseEvent) => void;
  ended: (e: { reason: string }) => void;
  hostControl: (e: HostControlEvent) => void;
  trackPublished: (e: TrackEvent) => void;
  trackUnpublished: (e: TrackEvent) => void;
  media: (e: MediaEvent) => void;
  keyframeRequest: (e: { track: number }) => void;
  activeSpeakers: (e: { participants: string[] }) => void;
  pong: (e: { ref: number }) => void;
  /** Every decoded frame, after the typed event (for tools and tests). */
  frame: (env: Envelope) => void;
}

const ACTION_NAMES: Record<number, HostControlEvent['action']> = {
  [HostAction.END_MEETING]: 'end_meeting',
  [HostAction.REMOVE]: 'remove',
  [HostAction.LOCK]: 'lock',
  [HostAction.UNLOCK]: 'unlock',
  [HostAction.ASK_MUTE]: 'ask_mute',
  [HostAction.PROMOTE]: 'promote',
  [HostAction.DEMOTE]: 'demote',
};
const SOURCE_NAMES: Record<number, TrackEvent['source']> = { [TrackSource.AUDIO]: 'audio', [TrackSource.VIDEO]: 'video', [TrackSource.SCREEN]: 'screen' };
const SOURCE_CODES = { audio: TrackSource.AUDIO, video: TrackSource.VIDEO, screen: TrackSource.SCREEN } as const;

function toRosterParticipant(p: Participant | null | undefined): RosterParticipant {
  return {
    id: p?.id ?? '',
    role: p?.role ?? '',
    capabilities: p?.capabilities ?? [],
    displayName: p?.displayName ?? '',
    joinedAt: p?.joinedAt ?? 0,
  };
}

function toTrackEvent(env: Envelope): TrackEvent {
  const t = env.trackInfo;
  return { publisher: t?.publisher || env.from, id: t?.id ?? 0, source: SOURCE_NAMES[t?.source ?? 0] ?? 'audio', codec: t?.codec ?? '' };
}

export class EphemeraClient extends TypedEmitter<ClientEvents> {
  /** Everyone present, you included, by participant id. */
  readonly roster = new Map<string, RosterParticipant>();
  /** Tracks published now, keyed `${publisher}/${id}`. */
  readonly tracks = new Map<string, TrackEvent>();
  readonly meetingId: string;
  readonly you: RosterParticipant;
  readonly welcome: Welcome;
  /** Resolves once the connection has closed. */
  readonly closed: Promise<CloseEvent>;
  private resolveClosed!: (e: CloseEvent) => void;
  private refCounter = 0;
  private pingTimer: ReturnType<typeof setInterval> | null = null;
  private closeEvent: CloseEvent | null = null;
  /** Frames that arrive before the caller of connect() could attach listeners wait here for one macrotask. */
  private pending: unknown[] | null = [];

  /** Use connect(); the constructor takes a socket that has already received its WELCOME. */
  constructor(readonly socket: WebSocketLike, welcome: Welcome, pingIntervalMs: number) {
    super();
    this.welcome = welcome;
    this.meetingId = welcome.meetingId ?? '';
    this.you = toRosterParticipant(welcome.you);
    for (const p of welcome.roster ?? []) this.roster.set(p.id ?? '', toRosterParticipant(p));
    for (const t of welcome.tracks ?? []) {
      const ev: TrackEvent = { publisher: t.publisher ?? '', id: t.id ?? 0, source: SOURCE_NAMES[t.source ?? 0] ?? 'audio', codec: t.codec ?? '' };
      this.tracks.set(`${ev.publisher}/${ev.id}`, ev);
    }
    this.closed = new Promise((resolve) => (this.resolveClosed = resolve));
    socket.onmessage = (ev) => (this.pending !== null ? this.pending.push(ev.data) : this.onData(ev.data));
    socket.onclose = (ev) => (this.pending !== null ? this.pending.push({ close: ev }) : this.onClose(ev.code, ev.reason));
    setTimeout(() => this.flushPending(), 0);
    socket.onerror = () => {};
    if (pingIntervalMs > 0) {
      this.pingTimer = setInterval(() => this.ping(), pingIntervalMs);
      (this.pingTimer as { unref?: () => void }).unref?.();
    }
  }

  /** True once the socket is closed. */
  get isClosed(): boolean {
    return this.closeEvent !== null;
  }

  /** Bytes queued in this client's socket, not yet sent. */
  get bufferedAmount(): number {
    return this.socket.bufferedAmount;
  }

  /** Sends a raw envelope (the relay stamps `from` and `seq`). Returns the `ref` used. */
  send(env: EnvelopeInit): number {
    const ref = env.ref ?? ++this.refCounter;
    if (this.closeEvent === null && this.socket.readyState === 1) this.socket.send(encodeEnvelope({ ...env, ref }));
    return ref;
  }

  /** Sends pre-encoded envelope bytes as they are (for load tools; normal code uses send()). */
  sendRaw(bytes: Uint8Array): void {
    if (this.closeEvent === null && this.socket.readyState === 1) this.socket.send(bytes);
  }

  /** Chat to everyone, to one participant (`to`), or to the hosts (`hosts: true`). */
  sendChat(text: string, opts: { to?: string; hosts?: boolean } = {}): number {
    const payload = encodeChatMessage({ text, sentAt: Date.now() });
    if (opts.to !== undefined) return this.send({ kind: Kind.CHAT, audience: Audience.ONE, to: opts.to, payload });
    if (opts.hosts) return this.send({ kind: Kind.CHAT, audience: Audience.HOSTS, payload });
    return this.send({ kind: Kind.CHAT, payload });
  }

  ping(): number {
    return this.send({ kind: Kind.PING });
  }

  // Host controls (the relay refuses them with RELAY_ERR_NOT_PERMITTED unless you are a host).
  endMeeting(): number {
    return this.send({ kind: Kind.HOST_CONTROL, hostControl: { action: HostAction.END_MEETING } });
  }
  remove(participantId: string, opts: { bar?: boolean } = {}): number {
    return this.send({ kind: Kind.HOST_CONTROL, hostControl: { action: HostAction.REMOVE, target: participantId, bar: opts.bar ?? false } });
  }
  lock(): number {
    return this.send({ kind: Kind.HOST_CONTROL, hostControl: { action: HostAction.LOCK } });
  }
  unlock(): number {
    return this.send({ kind: Kind.HOST_CONTROL, hostControl: { action: HostAction.UNLOCK } });
  }
  askMute(participantId: string, track = 0): number {
    return this.send({ kind: Kind.HOST_CONTROL, hostControl: { action: HostAction.ASK_MUTE, target: participantId, track } });
  }
  promote(participantId: string): number {
    return this.send({ kind: Kind.HOST_CONTROL, hostControl: { action: HostAction.PROMOTE, target: participantId } });
  }
  demote(participantId: string): number {
    return this.send({ kind: Kind.HOST_CONTROL, hostControl: { action: HostAction.DEMOTE, target: participantId } });
  }

  // Media.
  publishTrack(track: { id: number; source: 'audio' | 'video' | 'screen'; codec?: string }): number {
    return this.send({ kind: Kind.TRACK_PUBLISH, trackInfo: { id: track.id, source: SOURCE_CODES[track.source], codec: track.codec ?? '' } });
  }
  unpublishTrack(id: number): number {
    return this.send({ kind: Kind.TRACK_UNPUBLISH, track: id, trackInfo: { id } });
  }
  subscribe(publisher: string, track: number): number {
    return this.send({ kind: Kind.TRACK_SUBSCRIBE, subscription: { publisher, track } });
  }
  unsubscribe(publisher: string, track: number): number {
    return this.send({ kind: Kind.TRACK_UNSUBSCRIBE, subscription: { publisher, track } });
  }
  /** Sends one media frame on a published track. */
  sendMedia(track: number, payload: Uint8Array, opts: { keyframe?: boolean; timestamp?: number; audioLevel?: number } = {}): void {
    if (this.closeEvent !== null || this.socket.readyState !== 1) return;
    this.socket.send(
      encodeEnvelope({ kind: Kind.MEDIA, track, keyframe: opts.keyframe ?? false, timestamp: opts.timestamp ?? 0, audioLevel: opts.audioLevel ?? 0, payload }),
    );
  }

  /** Leaves the meeting (the relay closes with 1000) and resolves once closed. */
  async leave(): Promise<CloseEvent> {
    if (this.closeEvent === null) this.send({ kind: Kind.LEAVE, leave: { reason: 'bye' } });
    const timer = setTimeout(() => this.close(), 3_000);
    const ev = await this.closed;
    clearTimeout(timer);
    return ev;
  }

  /** Closes the socket without the LEAVE handshake. */
  close(code: number = CloseCode.NORMAL, reason = ''): void {
    try {
      this.socket.close(code, reason);
    } catch {
      // Closing twice is harmless.
    }
  }

  private flushPending(): void {
    const pending = this.pending ?? [];
    this.pending = null;
    for (const item of pending) {
      const close = (item as { close?: { code: number; reason: string } }).close;
      if (close !== undefined) this.onClose(close.code, close.reason);
      else this.onData(item);
    }
  }

  private onData(data: unknown): void {
    const bytes = data instanceof ArrayBuffer ? new Uint8Array(data) : ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : null;
    if (bytes === null) return;
    const decoded = decodeEnvelope(bytes);
    if (!decoded.ok) return;
    this.handle(decoded.value);
    this.emit('frame', decoded.value);
  }

  /** Dispatches one decoded frame from the relay to its typed event. */
  protected handle(env: Envelope): void {
    switch (env.kind) {
      case Kind.CHAT: {
        const msg = decodeChatMessage(env.payload ?? new Uint8Array());
        if (!msg.ok) return;
        const audience = env.audience === Audience.ONE ? 'one' : env.audience === Audience.HOSTS ? 'hosts' : 'everyone';
        this.emit('chat', { from: env.from, text: msg.value.text, audience, seq: env.seq, sentAt: msg.value.sentAt });
        return;
      }
      case Kind.MEDIA:
        this.emit('media', { from: env.from, track: env.track, keyframe: env.keyframe, timestamp: env.timestamp, audioLevel: env.audioLevel, seq: env.seq, payload: env.payload ?? new Uint8Array() });
        return;
      case Kind.ROSTER: {
        const r = env.roster;
        const p = toRosterParticipant(r?.participant);
        const change = r?.change === RosterChange.LEFT ? 'left' : r?.change === RosterChange.UPDATED ? 'updated' : 'joined';
        if (change === 'left') this.roster.delete(p.id);
        else this.roster.set(p.id, p);
        this.emit('roster', { change, participant: p, reason: r?.reason ?? '' });
        return;
      }
      case Kind.ERROR: {
        const e = env.error;
        this.emit('error', { code: e?.code ?? '', message: e?.message ?? '', closeCode: e?.closeCode ?? 0, ref: e?.ref ?? env.ref });
        return;
      }
      case Kind.MEETING_ENDED:
        this.emit('ended', { reason: env.meetingEnded?.reason ?? '' });
        return;
      case Kind.HOST_CONTROL: {
        const c = env.hostControl;
        this.emit('hostControl', { from: env.from, action: ACTION_NAMES[c?.action ?? 0] ?? 'end_meeting', target: c?.target ?? '', bar: c?.bar ?? false, track: c?.track ?? 0 });
        return;
      }
      case Kind.TRACK_PUBLISH: {
        const t = toTrackEvent(env);
        this.tracks.set(`${t.publisher}/${t.id}`, t);
        this.emit('trackPublished', t);
        return;
      }
      case Kind.TRACK_UNPUBLISH: {
        const t = toTrackEvent(env);
        this.tracks.delete(`${t.publisher}/${t.id}`);
        this.emit('trackUnpublished', t);
        return;
      }
      case Kind.KEYFRAME_REQUEST:
        this.emit('keyframeRequest', { track: env.keyframeRequest?.track ?? env.track });
        return;
      case Kind.ACTIVE_SPEAKERS:
        this.emit('activeSpeakers', { participants: env.activeSpeakers?.participants ?? [] });
        return;
      case Kind.PONG:
        this.emit('pong', { ref: env.ref });
        return;
      case Kind.PING:
        this.send({ kind: Kind.PONG, ref: env.ref });
        return;
    }
  }

  private onClose(code: number, reason: string): void {
    if (this.closeEvent !== null) return;
    if (this.pingTimer !== null) clearInterval(this.pingTimer);
    this.closeEvent = { code, reason: String(reason) };
    this.emit('close', this.closeEvent);
    this.resolveClosed(this.closeEvent);
  }
}
