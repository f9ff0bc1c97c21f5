/**
 * The meeting view: tiles for everyone (decoded video, name, role, speaking), your microphone, camera and screen
 * share, the chat, polls and files panels, host controls, and the states a meeting ends in.
 */
import { connect, type EphemeraClient, type RosterParticipant, type TrackEvent } from 'ephemera/client';
import { h, replace } from './dom.js';
import { TileGrid } from './tiles.js';
import { AudioSender, TRACK, VideoSender } from './media-sender.js';
import { AudioReceiver, VideoReceiver } from './media-receiver.js';
import { chatPanel } from './chat-panel.js';
import { pollsPanel } from './polls-panel.js';
import { documentsPanel } from './documents-panel.js';
import { invitePanel } from './invite-panel.js';
import { connectionBanner } from './connection-banner.js';
import { hostMenu } from './host-menu.js';
import { showConnecting, showState, type EndState } from './states.js';
import { checkAdmission, PASSING_REFUSALS, refusalWords } from './relay-check.js';
import { cameraConstraints, microphoneConstraints, type JoinPrefs } from './prejoin.js';
import type { JoinInvitation } from './invitation.js';
import type { MeetingContext } from './context.js';

export interface MeetingSession {
  readonly invitation: JoinInvitation;
  prefs: JoinPrefs;
  /** Present when this page created the meeting with the development host key. */
  readonly hostKey?: string;
  readonly audio: AudioContext | null;
}

const CLOSE_STATES: Record<number, EndState> = { 4006: 'removed', 4007: 'ended', 4005: 'replaced', 1001: 'ended' };

/** Joins and runs the meeting until it ends for this page. */
export async function runMeeting(root: HTMLElement, session: MeetingSession): Promise<void> {
  const inv = session.invitation;
  if (inv.claims.expiresAt > 0 && inv.claims.expiresAt * 1000 < Date.now()) {
    return showState(root, 'refused', 'Your invitation has expired. Ask the host for a new link.');
  }
  showConnecting(root, 'Joining the meeting through the relay…');
  let client: EphemeraClient;
  try {
    client = await connect({ url: inv.relay, token: inv.token, timeoutMs: 15_000 });
  } catch (e) {
    const again = { label: 'Try again', run: () => void runMeeting(root, session) };
    // The browser cannot read the relay's refusal: ask the relay's admission check why (it never joins).
    const verdict = await checkAdmission(inv.relay, inv.token);
    if (verdict.kind === 'refused') {
      return showState(root, 'refused', refusalWords(verdict.code, verdict.message), PASSING_REFUSALS.has(verdict.code) ? again : undefined);
    }
    if (verdict.kind === 'admitted') return showState(root, 'lost', 'The relay admits this invitation, but the connection failed. Try again.', again);
    return showState(root, 'lost', `The relay could not be reached (${(e as Error).message}).`, again);
  }
  new MeetingView(root, client, session).start();
}

interface RemoteTrack {
  readonly track: TrackEvent;
  readonly video?: VideoReceiver;
  readonly audio?: AudioReceiver;
}

class MeetingView implements MeetingContext {
  private readonly tiles = new TileGrid();
  private readonly remote = new Map<string, RemoteTrack>();
  private readonly rosterListeners: Array<() => void> = [];
  private readonly statusLine = h('p', { class: 'status', role: 'status', 'aria-live': 'polite' });
  private readonly lockBadge = h('span', { class: 'badge lock', hidden: true }, 'Locked');
  private readonly countBadge = h('span', { class: 'badge count' });
  private readonly micBtn = h('button', { type: 'button', id: 'toggle-mic', 'aria-pressed': 'false' });
  private readonly camBtn = h('button', { type: 'button', id: 'toggle-camera', 'aria-pressed': 'false' });
  private readonly screenBtn = h('button', { type: 'button', id: 'toggle-screen', 'aria-pressed': 'false' });
  private readonly lockBtn = h('button', { type: 'button', id: 'lock-meeting' });
  private readonly endBtn = h('button', { type: 'button', id: 'end-meeting', class: 'danger' }, 'End meeting for everyone');
  private readonly leaveBtn = h('button', { type: 'button', id: 'leave', class: 'danger' }, 'Leave');
  private readonly hostGroup = h('div', { class: 'group host-controls', role: 'group', 'aria-label': 'Host controls' }, this.lockBtn, this.endBtn);
  private mic: AudioSender | null = null;
  private camera: VideoSender | null = null;
  private screen: VideoSender | null = null;
  private locked: boolean;
  private ending: EndState | null = null;
  private leaving = false;
  /** Why the SDK could not resume (its `failed` event), shown in the lost state that follows. */
  private resumeFailure: string | null = null;
  private readonly output: GainNode | null;

  constructor(private readonly root: HTMLElement, readonly client: EphemeraClient, private readonly session: MeetingSession) {
    this.locked = client.welcome.locked ?? false;
    const a = session.audio;
    this.output = a !== null ? a.createGain() : null;
    if (a !== null && this.output !== null) this.output.connect(a.destination);
  }

  // MeetingContext.
  nameOf(id: string): string {
    const p = this.client.roster.get(id);
    return p?.displayName || id;
  }
  role(): string {
    return this.client.roster.get(this.client.you.id)?.role ?? this.client.you.role;
  }
  private capabilities(): readonly string[] {
    return this.client.roster.get(this.client.you.id)?.capabilities ?? this.client.you.capabilities;
  }
  private can(cap: string): boolean {
    return this.role() === 'host' || this.capabilities().includes(cap);
  }
  announce(message: string): void {
    this.statusLine.textContent = message;
  }
  onRosterChange(listener: () => void): void {
    this.rosterListeners.push(listener);
  }

  start(): void {
    const c = this.client;
    document.title = 'Meeting · Ephemera';
    const side = h('aside', { class: 'side', 'aria-label': 'Chat, polls and files' }, chatPanel(this), pollsPanel(this), documentsPanel(this));
    if (this.session.hostKey !== undefined) side.prepend(invitePanel(this.session.hostKey, c.meetingId));
    replace(
      this.root,
      h(
        'div',
        { class: 'meeting', 'data-state': 'meeting', 'data-you': c.you.id, 'data-meeting': c.meetingId },
        h('header', { class: 'topbar' }, h('h1', {}, 'Meeting'), this.countBadge, this.lockBadge, h('span', { class: 'you' }, `You: ${c.you.displayName || c.you.id}`), this.statusLine),
        connectionBanner(c, (words) => (this.resumeFailure = words)),
        h('main', { class: 'stage', 'aria-label': 'Participants' }, this.tiles.el),
        // Before the panels in the document, as on a phone's screen, so that the tab order follows what one sees.
        h(
          'footer',
          { class: 'controls' },
          h('div', { class: 'group', role: 'group', 'aria-label': 'Your microphone, camera and screen' }, this.micBtn, this.camBtn, this.screenBtn),
          this.hostGroup,
          this.leaveBtn,
        ),
        side,
      ),
    );
    this.micBtn.addEventListener('click', () => void (this.mic !== null ? this.stopMic() : this.startMic()));
    this.camBtn.addEventListener('click', () => void (this.camera !== null ? this.stopCamera() : this.startCamera()));
    this.screenBtn.addEventListener('click', () => void (this.screen !== null ? this.stopScreen() : this.startScreen()));
    this.lockBtn.addEventListener('click', () => (this.locked ? c.unlock() : c.lock()));
    this.endBtn.addEventListener('click', () => c.endMeeting());
    this.leaveBtn.addEventListener('click', () => {
      this.leaving = true;
      void c.leave();
    });

    for (const p of c.roster.values()) this.addParticipant(p);
    c.on('participantCount', () => this.rosterChanged());
    c.on('roster', (r) => {
      if (r.change === 'left') this.removeParticipant(r.participant.id);
      else this.addParticipant(r.participant);
      this.rosterChanged();
    });
    c.on('trackPublished', (t) => this.onTrack(t));
    c.on('trackUnpublished', (t) => this.dropTrack(t.publisher, t.id));
    c.on('media', (f) => {
      const r = this.remote.get(`${f.from}/${f.track}`);
      if (r?.video !== undefined) r.video.push(f.payload, f.keyframe, f.timestamp);
      else if (r?.audio !== undefined) r.audio.push(f.payload, f.timestamp);
    });
    c.on('keyframeRequest', (k) => (k.track === TRACK.screen ? this.screen : k.track === TRACK.camera ? this.camera : null)?.requestKeyframe());
    c.on('activeSpeakers', (s) => this.tiles.setSpeakers(s.participants));
    c.on('hostControl', (hc) => {
      if (hc.action === 'lock' || hc.action === 'unlock') {
        this.locked = hc.action === 'lock';
        this.refreshControls();
        this.announce(this.locked ? 'The meeting is locked: nobody new can join.' : 'The meeting is unlocked.');
      } else if (hc.action === 'ask_mute' && hc.target === c.you.id) {
        if (this.mic !== null) this.stopMic();
        this.announce(`${this.nameOf(hc.from)} asked you to mute: your microphone is off.`);
      }
    });
    c.on('error', (e) => {
      if (e.code === 'RELAY_ERR_REMOVED') this.ending = 'removed';
      else if (e.closeCode === 0) this.announce(`The relay refused that: ${e.message}`);
    });
    c.on('ended', () => (this.ending = 'ended'));
    c.on('close', (e) => this.onClosed(e.code, e.reason));
    document.addEventListener('visibilitychange', this.onVisibility);
    for (const t of c.tracks.values()) this.onTrack(t);
    this.rosterChanged();

    const prefs = this.session.prefs;
    if (prefs.micOn) void this.startMic();
    if (prefs.cameraOn) void this.startCamera();
    this.refreshControls();
  }

  private rosterChanged(): void {
    // A large meeting lists the hosts and presenters only: the relay's participant count says how many are here.
    const n = this.client.staffOnly ? this.client.participantCount : this.client.roster.size;
    this.countBadge.textContent = `${n} ${n === 1 ? 'person' : 'people'}`;
    for (const p of this.client.roster.values()) {
      const tile = this.tiles.get(p.id, 'camera');
      if (tile === undefined) continue;
      tile.role.textContent = p.role;
      tile.menu.replaceChildren();
      if (this.role() === 'host' && p.id !== this.client.you.id) tile.menu.append(hostMenu(this.client, p, (m) => this.announce(m)));
    }
    // A demotion takes publishing rights away: stop what may no longer be sent.
    if (this.screen !== null && !this.can('screen')) this.stopScreen();
    if (this.camera !== null && !this.can('video')) this.stopCamera();
    if (this.mic !== null && !this.can('audio')) this.stopMic();
    this.refreshControls();
    for (const l of this.rosterListeners) l();
  }

  private refreshControls(): void {
    this.micBtn.textContent = this.mic !== null ? 'Mute' : 'Unmute';
    this.micBtn.setAttribute('aria-pressed', String(this.mic === null));
    this.micBtn.disabled = !this.can('audio');
    this.camBtn.textContent = this.camera !== null ? 'Turn camera off' : 'Turn camera on';
    this.camBtn.setAttribute('aria-pressed', String(this.camera === null));
    this.camBtn.disabled = !this.can('video');
    this.screenBtn.textContent = this.screen !== null ? 'Stop sharing' : 'Share screen';
    this.screenBtn.setAttribute('aria-pressed', String(this.screen !== null));
    this.screenBtn.disabled = !this.can('screen');
    this.screenBtn.title = this.screenBtn.disabled ? 'Your role may not share a screen' : '';
    const host = this.role() === 'host';
    this.hostGroup.hidden = !host;
    this.lockBtn.textContent = this.locked ? 'Unlock meeting' : 'Lock meeting';
    this.lockBadge.hidden = !this.locked;
    const me = this.tiles.get(this.client.you.id, 'camera');
    if (me !== undefined) this.setMicState(me.mic, this.mic !== null);
  }

  private setMicState(el: HTMLElement, on: boolean): void {
    el.dataset.muted = String(!on);
    el.textContent = on ? 'mic on' : 'muted';
  }

  private addParticipant(p: RosterParticipant): void {
    const local = p.id === this.client.you.id;
    this.tiles.add(p.id, 'camera', p.displayName || p.id, p.role, local);
  }

  private removeParticipant(id: string): void {
    for (const key of [...this.remote.keys()]) if (key.startsWith(`${id}/`)) this.dropTrack(id, Number(key.slice(id.length + 1)));
    this.tiles.removeParticipant(id);
  }

  // Remote tracks: subscribe to what is shown, decode, draw or play.
  private onTrack(t: TrackEvent): void {
    if (t.publisher === this.client.you.id) return;
    const key = `${t.publisher}/${t.id}`;
    this.dropTrack(t.publisher, t.id);
    const name = this.nameOf(t.publisher);
    const role = this.client.roster.get(t.publisher)?.role ?? '';
    if (t.source === 'audio') {
      const tile = this.tiles.add(t.publisher, 'camera', name, role, false);
      this.setMicState(tile.mic, true);
      const audio = new AudioReceiver(this.session.audio, this.output, () => (tile.el.dataset.audioFrames = String(audio.framesDecoded)));
      this.remote.set(key, { track: t, audio });
    } else {
      const tile = this.tiles.add(t.publisher, t.source === 'screen' ? 'screen' : 'camera', name, role, false);
      const video = new VideoReceiver(tile.canvas, () => this.resubscribe(t), () => {
        if (video.framesDecoded === 1) tile.el.classList.remove('no-video');
        tile.el.dataset.videoFrames = String(video.framesDecoded);
      });
      this.remote.set(key, { track: t, video });
      if (t.source === 'screen') this.announce(`${name} is sharing their screen.`);
    }
    if (t.source === 'audio' || document.visibilityState !== 'hidden') this.client.subscribe(t.publisher, t.id);
  }

  /** A new subscription starts at a keyframe the relay asks the publisher for. */
  private resubscribe(t: TrackEvent): void {
    this.client.unsubscribe(t.publisher, t.id);
    this.client.subscribe(t.publisher, t.id);
  }

  private dropTrack(publisher: string, id: number): void {
    const key = `${publisher}/${id}`;
    const r = this.remote.get(key);
    if (r === undefined) return;
    this.remote.delete(key);
    r.video?.close();
    r.audio?.close();
    const tile = this.tiles.get(publisher, r.track.source === 'screen' ? 'screen' : 'camera');
    if (r.track.source === 'screen') this.tiles.remove(publisher, 'screen');
    else if (r.track.source === 'video' && tile !== undefined) {
      tile.el.classList.add('no-video');
      tile.el.dataset.videoFrames = '0';
    } else if (tile !== undefined) this.setMicState(tile.mic, false);
  }

  /** A hidden page receives no video: it shows none. Audio goes on. */
  private readonly onVisibility = (): void => {
    const hidden = document.visibilityState === 'hidden';
    for (const r of this.remote.values()) {
      if (r.video === undefined) continue;
      if (hidden) this.client.unsubscribe(r.track.publisher, r.track.id);
      else this.client.subscribe(r.track.publisher, r.track.id);
    }
  };

  // Local media.
  private takeTrack(kind: 'audio' | 'video'): MediaStreamTrack | undefined {
    const stream = this.session.prefs.stream;
    const t = kind === 'audio' ? stream?.getAudioTracks()[0] : stream?.getVideoTracks()[0];
    if (t === undefined || t.readyState === 'ended') return undefined;
    stream?.removeTrack(t);
    return t;
  }

  private async startMic(): Promise<void> {
    if (!this.can('audio') || this.mic !== null) return;
    const p = this.session.prefs;
    try {
      const track = this.takeTrack('audio') ?? (await navigator.mediaDevices.getUserMedia({ audio: microphoneConstraints(p.microphoneId) })).getAudioTracks()[0];
      if (track === undefined || this.client.isClosed) return;
      this.client.publishTrack({ id: TRACK.microphone, source: 'audio', codec: 'opus' });
      this.mic = new AudioSender(this.client, TRACK.microphone, track, (m) => this.announce(m));
    } catch (e) {
      this.announce(`No microphone: ${(e as Error).message}`);
    }
    this.refreshControls();
  }

  private stopMic(): void {
    if (this.mic === null) return;
    this.mic.stop();
    this.mic = null;
    this.client.unpublishTrack(TRACK.microphone);
    this.refreshControls();
  }

  private async startCamera(): Promise<void> {
    if (!this.can('video') || this.camera !== null) return;
    const p = this.session.prefs;
    try {
      const track = this.takeTrack('video') ?? (await navigator.mediaDevices.getUserMedia({ video: cameraConstraints(p.cameraId) })).getVideoTracks()[0];
      if (track === undefined || this.client.isClosed) return;
      this.client.publishTrack({ id: TRACK.camera, source: 'video', codec: 'vp8' });
      this.camera = new VideoSender(this.client, TRACK.camera, track, { maxFps: 15, bitrate: 250_000, keyframeEveryMs: 3_000 }, (m) => this.announce(m));
      this.showLocal('camera', track);
    } catch (e) {
      this.announce(`No camera: ${(e as Error).message}`);
    }
    this.refreshControls();
  }

  private stopCamera(): void {
    if (this.camera === null) return;
    this.camera.stop();
    this.camera = null;
    this.client.unpublishTrack(TRACK.camera);
    this.showLocal('camera', null);
    this.refreshControls();
  }

  private async startScreen(): Promise<void> {
    if (!this.can('screen') || this.screen !== null) return;
    try {
      const stream = await navigator.mediaDevices.getDisplayMedia({ video: { width: { ideal: 960 }, height: { ideal: 540 }, frameRate: { ideal: 5, max: 10 } }, audio: false });
      const track = stream.getVideoTracks()[0];
      if (track === undefined || this.client.isClosed) return;
      this.client.publishTrack({ id: TRACK.screen, source: 'screen', codec: 'vp8' });
      this.screen = new VideoSender(this.client, TRACK.screen, track, { maxFps: 5, bitrate: 500_000, keyframeEveryMs: 5_000 }, (m) => this.announce(m));
      track.addEventListener('ended', () => this.stopScreen());
      this.showLocal('screen', track);
      this.announce('You are sharing your screen.');
    } catch (e) {
      this.announce(`Screen not shared: ${(e as Error).message}`);
    }
    this.refreshControls();
  }

  private stopScreen(): void {
    if (this.screen === null) return;
    this.screen.stop();
    this.screen = null;
    this.client.unpublishTrack(TRACK.screen);
    this.showLocal('screen', null);
    this.refreshControls();
  }

  /** Your own camera or screen, shown from the capture itself (it is not sent back to you). */
  private showLocal(source: 'camera' | 'screen', track: MediaStreamTrack | null): void {
    const me = this.client.you;
    if (source === 'screen' && track === null) return this.tiles.remove(me.id, 'screen');
    const tile = this.tiles.add(me.id, source, me.displayName || me.id, this.role(), true);
    tile.el.querySelector('video')?.remove();
    tile.el.classList.toggle('no-video', track === null);
    if (track === null) return;
    const video = h('video', { class: 'video', autoplay: true, muted: true, playsinline: true, 'aria-label': source === 'screen' ? 'Your shared screen' : 'Your camera' });
    video.srcObject = new MediaStream([track]);
    tile.canvas.hidden = true;
    tile.canvas.after(video);
  }

  private onClosed(code: number, reason: string): void {
    document.removeEventListener('visibilitychange', this.onVisibility);
    this.mic?.stop();
    this.camera?.stop();
    this.screen?.stop();
    this.mic = this.camera = this.screen = null;
    for (const r of this.remote.values()) {
      r.video?.close();
      r.audio?.close();
    }
    this.remote.clear();
    for (const t of this.session.prefs.stream?.getTracks() ?? []) t.stop();
    const state: EndState = this.ending ?? CLOSE_STATES[code] ?? (this.leaving && code === 1000 ? 'left' : 'lost');
    const rejoin = { label: 'Rejoin', run: () => void runMeeting(this.root, { ...this.session, prefs: { ...this.session.prefs, stream: null } }) };
    switch (state) {
      case 'removed':
        return showState(this.root, 'removed', 'A host removed you from this meeting.');
      case 'ended':
        return showState(this.root, 'ended', code === 1001 ? 'The relay shut down, which ended the meeting.' : 'The meeting was ended for everyone.');
      case 'replaced':
        return showState(this.root, 'replaced', 'You joined this meeting from another tab or device, which took over from this page.');
      case 'left':
        return showState(this.root, 'left', 'You left the meeting.', rejoin);
      default:
        if (this.resumeFailure !== null) return showState(this.root, 'lost', `The connection to the meeting was lost and could not be resumed: ${this.resumeFailure}`, rejoin);
        return showState(this.root, 'lost', `The connection to the meeting was lost (${code}${reason !== '' ? `: ${reason}` : ''}).`, rejoin);
    }
  }
}
