/**
 * The Ephemera client: one participant's connection to a meeting. Works in Node (the `ws` package) and in
 * browsers (native WebSocket); both expose the same browser-style API, which is all this class uses.
 * Chat, roster and host controls live here; polls, documents and media are lanes (polls.ts, documents.ts,
 * media.ts) whose methods and events this class exposes.
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
  type EnvelopeInit,
  type Envelope,
  type Participant,
  type Welcome,
  HOST_ACTION_NAMES,
} from '../protocol/index.js';
import { TypedEmitter } from './typed-emitter.js';
import type {
  CloseEvent,
  DocumentSource,
  HostControlEvent,
  PollChoices,
  PollSpec,
  RosterEvent,
  RosterParticipant,
  ShareDocumentOptions,
  ShareResult,
  TrackEvent,
} from './client.types.js';
import { PollLane } from './polls.js';
import { DocumentLane } from './documents.js';
import { MediaLane, type MediaFrameOptions } from './media.js';
import type { ClientEvents } from './client-events.js';
import { PLAIN_PAYLOADS, type PayloadCodec } from './payload-codec.js';
import { backoffDelay, decideClose, FINAL_JOIN_CODES, FINAL_RESUME_CODES, REJOIN_AFTER_CODES, type ResolvedReconnect } from './reconnect.js';
import type { ResumeGapInfo } from './client.types.js';

/** Opens a resume socket (connect.ts): calls onWelcome synchronously with the resumed WELCOME. */
export type ResumeOpener = (credential: string, lastSeq: number, onWelcome: (socket: WebSocketLike, env: Envelope) => void, attempt: number) => Promise<void>;

/** How the client joins anew after a cluster close whose resume was refused (connect.ts builds it). */
export interface RejoinSetup {
  /** Opens a join socket with the join token for URL attempt `attempt`; onWelcome as for ResumeOpener. */
  readonly open: (onWelcome: (socket: WebSocketLike, env: Envelope) => void, attempt: number) => Promise<void>;
  /** Why the token cannot be used now (tokenRejoinBlocker), or null. */
  readonly blocker: () => string | null;
  /** True when `reconnect.urls` or `urlFor` name other relays to try. */
  readonly otherRelays: boolean;
}
export type { ClientEvents };

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


function toRosterParticipant(p: Participant | null | undefined): RosterParticipant {
  const out = { id: p?.id ?? '', role: p?.role ?? '', capabilities: p?.capabilities ?? [], displayName: p?.displayName ?? '', joinedAt: p?.joinedAt ?? 0 };
  return p?.reconnecting === true ? { ...out, reconnecting: true } : out;
}

export class EphemeraClient extends TypedEmitter<ClientEvents> {
  /**
   * Everyone present, you included, by participant id; in a large meeting an attendee's roster holds the hosts,
   * presenters and itself only (`staffOnly`), and `participantCount` says how many are present.
   */
  readonly roster = new Map<string, RosterParticipant>();
  /** Participants present in the meeting, as the relay last said (exact for hosts and presenters). */
  participantCount: number;
  /** True while your roster lists the hosts, presenters and you only (an attendee of a large meeting). */
  staffOnly: boolean;
  readonly meetingId: string;
  /** You, as the relay's WELCOME said (a rejoin replaces it: a new session). */
  you: RosterParticipant;
  /** The WELCOME of the current session (a rejoin replaces it). */
  welcome: Welcome;
  /** The relay's limits for this connection (from the WELCOME). */
  readonly limits: { readonly maxFrameBytes: number; readonly maxFramesPerSecond: number; readonly maxReliableBacklogBytes: number; readonly idleTimeoutMs: number };
  /** Resolves once the connection has closed. */
  readonly closed: Promise<CloseEvent>;
  private resolveClosed!: (e: CloseEvent) => void;
  private refCounter = 0;
  private pingTimer: ReturnType<typeof setInterval> | null = null;
  private closeEvent: CloseEvent | null = null;
  /** Frames that arrive before the caller of connect() could attach listeners wait here for one macrotask. */
  private pending: unknown[] | null = [];
  private readonly polls: PollLane;
  private readonly documents: DocumentLane;
  private readonly mediaLane: MediaLane;

  /** The highest meeting seq received (what a resume offers). */
  lastSeq = 0;
  /** Roster changes the last resumed WELCOME announced (by its diff), so that their replayed ROSTER frames are not announced again. */
  private readonly announcedAtResume = new Map<string, 'joined' | 'left'>();
  private lastFrameAt = Date.now();
  private resumeSetup: { credential: string; options: ResolvedReconnect; open: ResumeOpener; rejoin: RejoinSetup | null } | null = null;
  /** The URL attempt (reconnect.ts resumeUrl) the current socket came from: 1 is the first URL. */
  private urlAttempt = 1;
  /** The relay said the meeting ended with reason `shutdown` (a drain): the 1001 that follows may be recovered. */
  private drained = false;
  /** close()/leave() was called, or the meeting ended: no reconnect. */
  private deliberate = false;
  private reconnecting = false;
  /** A resumed WELCOME announced a RESUME_GAP: `resumed` is emitted when it arrives. */
  private resumedPending: { attempts: number; downMs: number } | null = null;
  /** Shares waiting for the connection to come back. */
  private connectedWaiters: Array<() => void> = [];

  /** Use connect(); the constructor takes a socket that has already received its WELCOME. */
  constructor(public socket: WebSocketLike, welcome: Welcome, pingIntervalMs: number, private readonly payloads: PayloadCodec = PLAIN_PAYLOADS) {
    super();
    this.welcome = welcome;
    this.meetingId = welcome.meetingId ?? '';
    this.you = toRosterParticipant(welcome.you);
    const l = welcome.limits;
    this.limits = {
      maxFrameBytes: l?.maxFrameBytes || 256 * 1024,
      maxFramesPerSecond: l?.maxFramesPerSecond || 400,
      maxReliableBacklogBytes: l?.maxReliableBacklogBytes || 1024 * 1024,
      idleTimeoutMs: l?.idleTimeoutMs || 30_000,
    };
    for (const p of welcome.roster ?? []) this.roster.set(p.id ?? '', toRosterParticipant(p));
    // A relay without the large-meeting roster sends no count: the roster is everyone.
    this.participantCount = welcome.participantCount || this.roster.size;
    this.staffOnly = welcome.staffOnly ?? false;
    // One emitting function for the lanes: they raise this client's typed events.
    const emit = this.emit.bind(this) as <K extends keyof ClientEvents>(event: K, ...args: Parameters<ClientEvents[K]>) => void;
    this.polls = new PollLane(this, {
      pollOpened: (e) => emit('pollOpened', e),
      pollTally: (e) => emit('pollTally', e),
      pollClosed: (e) => emit('pollClosed', e),
      pollResults: (e) => emit('pollResults', e),
    });
    this.documents = new DocumentLane(this, {
      // Nobody to take it: leave the transfer at once rather than hold the others back until the relay drops us.
      documentOffered: (d) => (this.listenerCount('documentOffered') === 0 ? d.cancel() : emit('documentOffered', d)),
      documentCancelled: (e) => emit('documentCancelled', e),
      documentResendRequested: (e) => emit('documentResendRequested', e),
    });
    this.mediaLane = new MediaLane(this, {
      trackPublished: (e) => emit('trackPublished', e),
      trackUnpublished: (e) => emit('trackUnpublished', e),
      media: (e) => emit('media', e),
      keyframeRequest: (e) => emit('keyframeRequest', e),
      activeSpeakers: (e) => emit('activeSpeakers', e),
    }, welcome.tracks ?? []);
    this.closed = new Promise((resolve) => (this.resolveClosed = resolve));
    socket.onmessage = (ev) => (this.pending !== null ? this.pending.push(ev.data) : this.onData(ev.data));
    socket.onclose = (ev) => (this.pending !== null ? this.pending.push({ close: ev }) : this.onClose(ev.code, ev.reason));
    setTimeout(() => this.flushPending(), 0);
    socket.onerror = () => {};
    if (pingIntervalMs > 0) {
      this.pingTimer = setInterval(() => this.keepAlive(), pingIntervalMs);
      (this.pingTimer as { unref?: () => void }).unref?.();
    }
  }

  /** Turns on reconnect-and-resume (connect() calls it when the relay offers a credential). */
  enableResume(welcomeSeq: number, credential: string, options: ResolvedReconnect, open: ResumeOpener, rejoin: RejoinSetup | null = null): void {
    if (welcomeSeq > this.lastSeq) this.lastSeq = welcomeSeq;
    this.resumeSetup = { credential, options, open, rejoin };
  }

  /** True while the client is reconnecting after an unexpected close. */
  get isReconnecting(): boolean {
    return this.reconnecting;
  }

  /** Null while connected; while reconnecting, a promise that settles once resumed or closed for good. */
  whenConnected(): Promise<void> | null {
    if (!this.reconnecting) return null;
    return new Promise((resolve) => this.connectedWaiters.push(resolve));
  }

  /** How long a finished share can still send chunks again after a resume (twice the relay's resume grace). */
  get resendLingerMs(): number {
    return this.resumeSetup === null ? 0 : 2 * (this.welcome.resumeGraceMs ?? 0);
  }

  private wakeConnectedWaiters(): void {
    const w = this.connectedWaiters;
    this.connectedWaiters = [];
    for (const resolve of w) resolve();
  }

  /** True once the socket is closed. */
  get isClosed(): boolean {
    return this.closeEvent !== null;
  }

  /** Bytes queued in this client's socket, not yet sent. */
  get bufferedAmount(): number {
    return this.socket.bufferedAmount;
  }

  /** Tracks published now, keyed `${publisher}/${id}`. */
  get tracks(): Map<string, TrackEvent> {
    return this.mediaLane.tracks;
  }

  /** Sends a raw envelope (the relay stamps `from` and `seq`). Returns the `ref` used. */
  send(env: EnvelopeInit): number {
    const ref = env.ref ?? ++this.refCounter;
    if (this.closeEvent === null && this.socket.readyState === 1) {
      const payload = env.payload != null && env.kind != null ? this.payloads.seal(env.kind, env.payload) : env.payload;
      this.socket.send(encodeEnvelope({ ...env, payload, ref }));
    }
    return ref;
  }

  /** Seals one payload for the wire (the lanes that build their own frames, such as media, call this). */
  sealPayload(kind: Kind, payload: Uint8Array): Uint8Array {
    return this.payloads.seal(kind, payload);
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
    return this.hostControl(HostAction.END_MEETING);
  }
  /** Removes a participant; with `bar` its id may not rejoin this meeting. */
  remove(participantId: string, opts: { bar?: boolean } = {}): number {
    return this.hostControl(HostAction.REMOVE, participantId, { bar: opts.bar ?? false });
  }
  lock(): number {
    return this.hostControl(HostAction.LOCK);
  }
  unlock(): number {
    return this.hostControl(HostAction.UNLOCK);
  }
  askMute(participantId: string, track = 0): number {
    return this.hostControl(HostAction.ASK_MUTE, participantId, { track });
  }
  promote(participantId: string): number {
    return this.hostControl(HostAction.PROMOTE, participantId);
  }
  demote(participantId: string): number {
    return this.hostControl(HostAction.DEMOTE, participantId);
  }
  private hostControl(action: HostAction, target = '', extra: { bar?: boolean; track?: number } = {}): number {
    return this.send({ kind: Kind.HOST_CONTROL, hostControl: { action, target, ...extra } });
  }

  // Polls.
  /** Opens a poll (hosts and presenters with the poll capability). Returns the poll id. */
  openPoll(spec: PollSpec): string {
    return this.polls.open(spec);
  }
  /** Answers a poll: choices[q] = the option index (or indexes) for question q. One answer per participant. */
  answerPoll(pollId: string, choices: PollChoices): number {
    return this.polls.answer(pollId, choices);
  }
  closePoll(pollId: string): number {
    return this.polls.close(pollId);
  }
  /** Shares your poll's tally (the relay's, never who answered) with everyone. */
  shareResults(pollId: string): number {
    return this.polls.shareResults(pollId);
  }

  // Documents.
  /** Shares a document with everyone (or `to` one participant, or the `hosts`); resolves once it is all sent. */
  shareDocument(source: DocumentSource, opts: ShareDocumentOptions): Promise<ShareResult> {
    return this.documents.share(source, opts);
  }
  /** Cancels a document you share (for every receiver) or leaves one you receive. False if no such transfer. */
  cancelDocument(transferId: string): boolean {
    return this.documents.cancel(transferId);
  }
  /** Asks the sharer of a transfer to offer it again (the relay keeps no copy). */
  requestResend(transferId: string): number {
    return this.documents.requestResend(transferId);
  }

  // Media.
  publishTrack(track: { id: number; source: 'audio' | 'video' | 'screen'; codec?: string }): number {
    return this.mediaLane.publishTrack(track);
  }
  unpublishTrack(id: number): number {
    return this.mediaLane.unpublishTrack(id);
  }
  subscribe(publisher: string, track: number): number {
    return this.mediaLane.subscribe(publisher, track);
  }
  unsubscribe(publisher: string, track: number): number {
    return this.mediaLane.unsubscribe(publisher, track);
  }
  /** Sends one media frame on a published track. */
  sendMedia(track: number, payload: Uint8Array, opts: MediaFrameOptions = {}): void {
    this.mediaLane.sendMedia(track, payload, opts);
  }

  /** Leaves the meeting (the relay closes with 1000) and resolves once closed. */
  async leave(): Promise<CloseEvent> {
    this.deliberate = true;
    if (this.closeEvent === null) this.send({ kind: Kind.LEAVE, leave: { reason: 'bye' } });
    const timer = setTimeout(() => this.close(), 3_000);
    const ev = await this.closed;
    clearTimeout(timer);
    return ev;
  }

  /** Closes the socket without the LEAVE handshake. */
  close(code: number = CloseCode.NORMAL, reason = ''): void {
    this.deliberate = true;
    if (this.reconnecting) return this.finalClose(code, reason);
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

  /** Pings, and (with resume on) declares the connection dead when the relay has been silent too long. */
  private keepAlive(): void {
    const setup = this.resumeSetup;
    if (setup !== null && !this.reconnecting && this.closeEvent === null && Date.now() - this.lastFrameAt > setup.options.silenceTimeoutMs) {
      // A socket that died without a FIN (a closed laptop lid, a dropped network) looks open until a write
      // fails; the relay answers every PING, so silence means it is gone. Drop it at once, without a close
      // handshake that could wait for half a minute, and resume.
      const old = this.socket;
      old.onmessage = null;
      old.onclose = null;
      try {
        const t = (old as { terminate?: () => void }).terminate;
        if (t !== undefined) t.call(old);
        else old.close();
      } catch {
        // Already closing.
      }
      this.onClose(1006, 'no frame from the relay within the silence timeout');
      return;
    }
    this.ping();
  }

  private onData(data: unknown): void {
    this.lastFrameAt = Date.now();
    const bytes = data instanceof ArrayBuffer ? new Uint8Array(data) : ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : null;
    if (bytes === null) return;
    const decoded = decodeEnvelope(bytes);
    if (!decoded.ok) return;
    const env = decoded.value;
    if (env.seq > this.lastSeq) this.lastSeq = env.seq;
    if (env.payload != null && env.payload.length > 0) {
      const opened = this.payloads.open(env.kind, env.from, env.payload);
      if (opened === null) return;
      env.payload = opened;
    }
    this.handle(env);
    this.emit('frame', decoded.value);
  }

  /** Dispatches one decoded frame from the relay to its lane or typed event. */
  protected handle(env: Envelope): void {
    const kind = env.kind;
    if (kind === Kind.MEDIA || (kind >= Kind.TRACK_PUBLISH && kind <= Kind.ACTIVE_SPEAKERS)) return this.mediaLane.handle(env);
    if (kind >= Kind.DOC_OFFER && kind <= Kind.DOC_CREDIT) return this.documents.handle(env);
    if (kind >= Kind.POLL_OPEN && kind <= Kind.POLL_RESULTS) return this.polls.handle(env);
    switch (kind) {
      case Kind.CHAT: {
        const msg = decodeChatMessage(env.payload ?? new Uint8Array());
        if (!msg.ok) return;
        const audience = env.audience === Audience.ONE ? 'one' : env.audience === Audience.HOSTS ? 'hosts' : 'everyone';
        this.emit('chat', { from: env.from, text: msg.value.text, audience, seq: env.seq, sentAt: msg.value.sentAt });
        return;
      }
      case Kind.ROSTER: {
        const r = env.roster;
        const p = toRosterParticipant(r?.participant);
        const change =
          r?.change === RosterChange.LEFT ? 'left'
          : r?.change === RosterChange.UPDATED ? 'updated'
          : r?.change === RosterChange.RECONNECTING ? 'reconnecting'
          : r?.change === RosterChange.RESUMED ? 'resumed'
          : 'joined';
        if (change === 'left') this.roster.delete(p.id);
        else this.roster.set(p.id, p);
        // The resumed WELCOME's roster already announced this change: the window's copy of it is not a second one.
        if ((change === 'joined' || change === 'left') && this.announcedAtResume.get(p.id) === change) {
          this.announcedAtResume.delete(p.id);
          return;
        }
        this.emit('roster', { change, participant: p, reason: r?.reason ?? '' });
        return;
      }
      case Kind.ROSTER_BATCH:
        return this.onRosterBatch(env);
      case Kind.ERROR: {
        const e = env.error;
        const ref = e?.ref ?? env.ref;
        this.documents.onError(ref, e?.code ?? '');
        this.emit('error', { code: e?.code ?? '', message: e?.message ?? '', closeCode: e?.closeCode ?? 0, ref });
        return;
      }
      case Kind.RESUME_GAP: {
        const g = env.resumeGap;
        const missed: Record<string, number> = {};
        for (const c of g?.missed ?? []) missed[c.lane ?? ''] = c.frames ?? 0;
        const gap: ResumeGapInfo = { afterSeq: Number(g?.afterSeq ?? 0), throughSeq: Number(g?.throughSeq ?? 0), countsKnown: g?.countsKnown ?? false, missed };
        const pending = this.resumedPending ?? { attempts: 0, downMs: 0 };
        this.resumedPending = null;
        this.emit('resumed', { ...pending, gap });
        return;
      }
      case Kind.MEETING_ENDED: {
        const reason = env.meetingEnded?.reason ?? '';
        // A draining relay of a cluster: the meeting goes on at the other relays, so the 1001 that follows is
        // recovered there (no `ended`); without other relays to try, it is the end as before.
        if (reason === 'shutdown' && this.resumeSetup?.rejoin?.otherRelays === true && this.resumeSetup.options.rejoin) {
          this.drained = true;
          return;
        }
        this.deliberate = true;
        this.emit('ended', { reason });
        return;
      }
      case Kind.HOST_CONTROL: {
        const c = env.hostControl;
        this.emit('hostControl', { from: env.from, action: HOST_ACTION_NAMES[c?.action ?? 0] ?? 'end_meeting', target: c?.target ?? '', bar: c?.bar ?? false, track: c?.track ?? 0 });
        return;
      }
      case Kind.PONG:
        this.emit('pong', { ref: env.ref });
        return;
      case Kind.PING:
        this.send({ kind: Kind.PONG, ref: env.ref });
        return;
    }
  }

  /** Applies a ROSTER_BATCH to the roster, then raises `roster` per change, `rosterBatch` and `participantCount`. */
  private onRosterBatch(env: Envelope): void {
    const b = env.rosterBatch;
    if (b === null || b === undefined) return;
    const updates: RosterEvent[] = [];
    for (const r of b.updates ?? []) {
      const p = toRosterParticipant(r.participant);
      if (p.id === '') continue;
      const change = r.change === RosterChange.LEFT ? 'left' : r.change === RosterChange.UPDATED ? 'updated' : 'joined';
      // Updates are upserts: a batch may repeat what the WELCOME (or a page) already said; that is no change.
      const known = this.roster.get(p.id);
      if (change === 'left') {
        if (!this.roster.delete(p.id)) continue;
      } else {
        if (change === 'joined' && known !== undefined && known.joinedAt === p.joinedAt && known.role === p.role) continue;
        this.roster.set(p.id, p);
      }
      updates.push({ change, participant: p, reason: r.reason ?? '' });
    }
    const staffOnly = b.staffOnly ?? false;
    if (staffOnly) {
      // A large meeting: attendees other than you leave your roster (they were listed while it was small).
      for (const [id, p] of this.roster) if (id !== this.you.id && p.role !== 'host' && p.role !== 'presenter') this.roster.delete(id);
    }
    this.staffOnly = staffOnly;
    for (const u of updates) this.emit('roster', u);
    const count = b.participantCount ?? 0;
    this.emit('rosterBatch', { updates, participantCount: count, staffOnly, page: b.page ?? false });
    if (count > 0 && count !== this.participantCount) {
      this.participantCount = count;
      this.emit('participantCount', { count });
    }
  }

  private onClose(code: number, reason: string): void {
    if (this.closeEvent !== null || this.reconnecting) return;
    const setup = this.resumeSetup;
    if (setup !== null && !this.deliberate) {
      const decision = decideClose(code, { drained: this.drained, otherRelays: setup.rejoin?.otherRelays === true });
      // No credential: nothing to resume; only a cluster close is recovered (by a rejoin).
      if (decision === 'recover' || (decision === 'resume' && setup.credential !== '')) {
        void this.reconnect(code, String(reason), decision === 'recover');
        return;
      }
    }
    if (this.drained) this.emit('ended', { reason: 'shutdown' });
    this.finalClose(code, reason);
  }

  /**
   * Tries to resume with backoff until it works, is refused for good, or runs out of attempts or time. After a
   * cluster close (`recover`) it starts at the next relay, and a refused resume turns into a rejoin with the join
   * token when that is still usable.
   */
  private async reconnect(code: number, reason: string, recover: boolean): Promise<void> {
    const setup = this.resumeSetup!;
    const o = setup.options;
    this.reconnecting = true;
    const startedAt = Date.now();
    let failure = 'gave_up';
    let rejoinBlocked: string | undefined;
    // No credential to offer: straight to the rejoin.
    let resumeRefused = setup.credential === '' ? 'no_credential' : '';
    if (resumeRefused !== '') {
      const blocker = !o.rejoin || setup.rejoin === null ? 'rejoin_off' : setup.rejoin.blocker();
      if (blocker !== null) {
        this.emit('failed', { reason: 'no_credential', code, closeReason: reason, rejoinBlocked: blocker });
        if (this.drained) this.emit('ended', { reason: 'shutdown' });
        this.finalClose(code, reason);
        return;
      }
    }
    // The relay that let the session go is tried last, not first.
    let base = recover ? this.urlAttempt : 0;
    for (let attempt = 1; attempt <= o.maxAttempts; attempt++) {
      const delay = backoffDelay(attempt, o);
      if (Date.now() + delay - startedAt > o.maxTotalMs) break;
      const mode = resumeRefused === '' ? 'resume' : 'rejoin';
      this.emit('reconnecting', { attempt, code, reason, delayMs: delay, mode });
      await new Promise((r) => setTimeout(r, delay));
      if (this.deliberate || !this.reconnecting) return;
      const urlAttempt = base + attempt;
      try {
        if (mode === 'resume') {
          await setup.open(setup.credential, this.lastSeq, (socket, env) => this.resumedOn(socket, env, attempt, Date.now() - startedAt, urlAttempt), urlAttempt);
        } else {
          await setup.rejoin!.open((socket, env) => this.rejoinedOn(socket, env, { attempts: attempt, downMs: Date.now() - startedAt, code, resumeRefused }, urlAttempt), urlAttempt);
        }
        return;
      } catch (err) {
        if (!this.reconnecting) return;
        const refused = (err as { code?: string }).code;
        if (refused === undefined) continue;
        if (mode === 'resume' && recover && REJOIN_AFTER_CODES.has(refused)) {
          const blocker = !o.rejoin || setup.rejoin === null ? 'rejoin_off' : setup.rejoin.blocker();
          if (blocker === null) {
            resumeRefused = refused;
            // That relay answered: the rejoin starts there.
            base -= 1;
            continue;
          }
          rejoinBlocked = blocker;
          failure = refused;
          break;
        }
        if ((mode === 'resume' && FINAL_RESUME_CODES.has(refused)) || (mode === 'rejoin' && FINAL_JOIN_CODES.has(refused))) {
          failure = refused;
          break;
        }
      }
    }
    if (!this.reconnecting) return;
    this.emit('failed', rejoinBlocked === undefined ? { reason: failure, code, closeReason: reason } : { reason: failure, code, closeReason: reason, rejoinBlocked });
    if (this.drained) this.emit('ended', { reason: 'shutdown' });
    this.finalClose(code, reason);
  }

  /** Puts a new socket in place of the dead one (resume or rejoin). */
  private adopt(socket: WebSocketLike, urlAttempt: number): void {
    this.reconnecting = false;
    this.drained = false;
    this.urlAttempt = urlAttempt;
    this.lastFrameAt = Date.now();
    this.socket = socket;
    socket.onmessage = (ev) => this.onData(ev.data);
    socket.onclose = (ev) => this.onClose(ev.code, ev.reason);
    socket.onerror = () => {};
  }

  /** Replaces the roster with a WELCOME's and announces what differs (unless the roster is paged or staff only). */
  private rosterFromWelcome(w: Welcome): void {
    const before = new Map(this.roster);
    this.roster.clear();
    this.announcedAtResume.clear();
    for (const p of w.roster ?? []) this.roster.set(p.id ?? '', toRosterParticipant(p));
    if ((w.rosterFollows ?? 0) === 0 && w.staffOnly !== true) {
      // The window then replays the ROSTER frames of these changes (a change of another relay comes as ROSTER,
      // not as an upserting ROSTER_BATCH): each is announced once, here.
      for (const [id, p] of this.roster) {
        if (before.has(id)) continue;
        this.announcedAtResume.set(id, 'joined');
        this.emit('roster', { change: 'joined', participant: p, reason: '' });
      }
      for (const [id, p] of before) {
        if (this.roster.has(id)) continue;
        this.announcedAtResume.set(id, 'left');
        this.emit('roster', { change: 'left', participant: p, reason: '' });
      }
    }
  }

  private refuseLate(socket: WebSocketLike): boolean {
    if (this.reconnecting && !this.deliberate) return false;
    try {
      socket.close();
    } catch {
      // Already closing.
    }
    return true;
  }

  /** A rejoin socket got its WELCOME (a new session): it becomes this client's socket, with the new session's state. */
  private rejoinedOn(socket: WebSocketLike, env: Envelope, e: { attempts: number; downMs: number; code: number; resumeRefused: string }, urlAttempt: number): void {
    if (this.refuseLate(socket)) return;
    this.adopt(socket, urlAttempt);
    const w = env.welcome!;
    this.welcome = w;
    this.you = toRosterParticipant(w.you);
    this.lastSeq = env.seq;
    if ((w.resumeCredential ?? '') !== '') this.resumeSetup = { ...this.resumeSetup!, credential: w.resumeCredential! };
    this.rosterFromWelcome(w);
    this.participantCount = w.participantCount || this.roster.size;
    this.staffOnly = w.staffOnly ?? false;
    // A new session: what was in flight on the old one is gone; the media state is asked for again.
    this.documents.onClosed();
    this.mediaLane.onRejoined(w.tracks ?? [], this.you.id);
    this.wakeConnectedWaiters();
    this.emit('rejoined', e);
  }

  /** A resume socket got its WELCOME: it becomes this client's socket (called synchronously, before any frame). */
  private resumedOn(socket: WebSocketLike, env: Envelope, attempts: number, downMs: number, urlAttempt: number): void {
    if (this.refuseLate(socket)) return;
    this.adopt(socket, urlAttempt);
    const w = env.welcome!;
    if ((w.resumeCredential ?? '') !== '') this.resumeSetup = { ...this.resumeSetup!, credential: w.resumeCredential! };
    // A resumed WELCOME with a seq: another relay took the session (its numbering starts there).
    if (env.seq > 0) this.lastSeq = env.seq;
    // The WELCOME has the roster as it is now; what differs from ours is announced as roster events (unless the
    // roster is paged). The ROSTER_BATCH frames missed while away follow from the window and are upserts: they
    // repeat these changes (no new event) or, past a RESUME_GAP, are what the window still held.
    this.rosterFromWelcome(w);
    this.documents.onResumed();
    this.wakeConnectedWaiters();
    if (w.resumeGap === true) this.resumedPending = { attempts, downMs };
    else this.emit('resumed', { attempts, downMs, gap: null });
  }

  private finalClose(code: number, reason: string): void {
    if (this.closeEvent !== null) return;
    this.reconnecting = false;
    if (this.pingTimer !== null) clearInterval(this.pingTimer);
    this.closeEvent = { code, reason: String(reason) };
    this.documents.onClosed();
    this.wakeConnectedWaiters();
    this.emit('close', this.closeEvent);
    this.resolveClosed(this.closeEvent);
  }
}
