/**
 * One meeting's delivery in cluster mode: the meeting's LocalDelivery for this relay's participants, plus NATS
 * for the other relays that hold members. It is the MeetingDelivery the meeting core sees; it drives the meeting
 * back through MeetingPort when frames and state arrive. See DESIGN.md for subjects, streams and gap recovery.
 */
import { decodeEnvelope, encodeEnvelope, HostAction, Kind, peekKind, RosterChange, type Envelope } from '../../protocol/index.js';
import { LANES, type LaneName } from '../../protocol/kind-lanes.js';
import type { InboundRecorder, MeetingDelivery, Member, TrackRoute } from '../meeting/delivery.types.js';
import { LocalDelivery, LocalTrackRoute } from '../meeting/local-delivery.js';
import { RemoteMember, type MeetingPort } from '../meeting/cluster-port.js';
import type { MediaTrack, TrackInfo } from '../meeting/lanes/media.js';
import { capabilityList, capabilityMask } from '../meeting/permissions.js';
import type { Capability, Role } from '../auth/claims.types.js';
import {
  decodeMessage, encodeMediaBatch, encodeMessage, FLAG_KEYFRAME, jsonBody, mediaBatchHeaderLength, MsgType, nextMediaEntry, parseJson, setSeq, Stream,
  streamOf, subjectToken, utf8Of, type ClusterMessage,
} from './cluster-codec.js';
import { RetransmitWindow } from './retransmit-window.js';
import { restampSeq } from './restamp-seq.js';
import type { ClusterNode } from './cluster-node.js';

const EMPTY = new Uint8Array(0);
/** After attaching, frames go to NATS this long even before another relay answered the HELLO. */
const ATTACH_GRACE_MS = 5_000;
/** Out-of-order messages a stream holds while it waits for a gap to be filled; more closes the sessions. */
const MAX_BUFFERED = 20_000;

/** Poll and transfer ids a relay remembers per meeting for late relays' STATE (the oldest go first). */
const MAX_REMEMBERED_IDS = 4_096;

/** The most bytes of media one MEDIA_BATCH carries (well under NATS's default 1 MiB max_payload). */
const MAX_BATCH_BYTES = 64 * 1024;

/** The entry nextMediaEntry sets (module state: no allocation per frame). */
const ENTRY = { view: EMPTY };

function remember(set: Set<string>, id: string): void {
  if (set.size >= MAX_REMEMBERED_IDS) {
    const oldest = set.values().next();
    if (!oldest.done) set.delete(oldest.value);
  }
  set.add(id);
}

/** A track's route: local topic plus, in a cluster, its NATS subject and the other relays' interest. */
class ClusterTrackRoute extends LocalTrackRoute {
  /** Relays (node ids) holding subscribers of this relay's track. */
  readonly interested = new Set<string>();
  track: MediaTrack | null = null;
  /** The track's subject suffix `<publisher token>.<track>`, the id of its MEDIA messages (a batch entry's key). */
  readonly idBytes: Uint8Array;
  constructor(topic: string, readonly subject: string, suffix: string, readonly remotePublisher: RemoteMember | null, readonly trackId: number) {
    super(topic);
    this.idBytes = utf8Of(suffix);
  }
}

interface InStream {
  /** The next sequence number to apply. */
  next: number;
  /** The highest sequence number known to exist (seen, or announced by a TAIL). */
  until: number;
  /** Messages past a gap, held until it is filled. */
  readonly buffer: Map<number, ClusterMessage>;
  /** Running while a gap is open: when it fires, the gap failed. */
  timer: NodeJS.Timeout | null;
}

interface StateBody {
  members: Array<{ id: string; role: Role; caps: Capability[]; name: string; at: number }>;
  tracks: TrackInfo[];
  locked: boolean;
  barred: string[];
  polls: string[];
  transfers: string[];
  /**
   * The last sequence numbers the sender had sent on its stream to everyone (`a`) and to the hosts (`h`) when it
   * wrote this STATE: the receiver's starting point for those streams, so that the loss of the very next message
   * is detected (a stream otherwise starts at the first message a relay sees of it).
   */
  a?: number;
  h?: number;
}

export class ClusterMeeting implements MeetingDelivery {
  readonly local: LocalDelivery;
  private readonly base: string;
  private readonly allSubject: string;
  private readonly hostsSubject: string;
  private readonly mySubject: string;
  /** `<base>.t.`: a track's subject is this plus its suffix. */
  private readonly trackPrefix: string;
  /** This turn's media frames for other relays (encoded MEDIA messages) and their routes, sent by flushMedia. */
  private readonly mediaOut: Uint8Array[] = [];
  private readonly mediaRoutes: ClusterTrackRoute[] = [];
  /** flushMedia's scratch: bytes of the turn's media per destination relay. */
  private readonly mediaBytes = new Map<string, number>();
  private attached = false;
  private hostsSubscribed = false;
  private localHosts = 0;
  private localCount = 0;
  /** Other relays known to hold members of this meeting. */
  readonly nodes = new Set<string>();
  private seqAll = 0;
  private seqHosts = 0;
  private readonly seqDirect = new Map<string, number>();
  private readonly window: RetransmitWindow;
  private readonly inStreams = new Map<string, InStream>();
  /** Which relay owns a poll (p:<id>) or a transfer (d:<id>) opened elsewhere. */
  private readonly owners = new Map<string, string>();
  /** Tracks published on other relays, by `${publisher}\n${trackId}`. */
  private readonly remoteTracks = new Map<string, ClusterTrackRoute>();
  /** This relay's tracks, by `${publisher}\n${trackId}`. */
  private readonly ownTracks = new Map<string, ClusterTrackRoute>();
  /** Polls and transfers opened on this relay (ids, for a late relay's STATE). */
  private readonly ownPolls = new Set<string>();
  private readonly ownTransfers = new Set<string>();
  private closed = false;
  /** The resume window's ear for frames from other relays (null: resume off, nothing recorded). */
  private inbound: InboundRecorder | null = null;

  /** A local host's lock, unlock or bar: told to the meeting's owner (and successor), cluster-seats.ts. */
  hostDecision(decision: { readonly lock?: boolean; readonly bar?: string }): void {
    this.node.seats.decided(this.port.meetingId, decision);
  }

  constructor(private readonly node: ClusterNode, readonly port: MeetingPort, local: LocalDelivery) {
    this.local = local;
    this.base = `${node.prefix}.m.${port.meetingId}`;
    this.allSubject = `${this.base}.all`;
    this.hostsSubject = `${this.base}.hosts`;
    this.mySubject = `${this.base}.n.${node.id}`;
    this.trackPrefix = `${this.base}.t.`;
    this.window = new RetransmitWindow(node.retransmitBytes, (buffers) => node.link.zeroLater(buffers));
  }

  setInboundRecorder(recorder: InboundRecorder): void {
    this.inbound = recorder;
  }

  // --- frames from other relays to this relay's participants: this relay's seq, then the window, then out ---
  // Every frame a participant gets carries the seq of the relay it is connected to (restamp-seq.ts), so its last
  // seq says where it is in this relay's delivery order: what a same-relay resume needs (protocol/README.md).

  private inLocal(frame: Uint8Array, lane: LaneName | null): void {
    this.port.beforeRemoteFrame();
    const f = restampSeq(frame, this.port);
    this.inbound?.everyone(f, lane);
    this.local.toLocal(f, lane);
  }

  private inHosts(frame: Uint8Array, lane: LaneName | null): void {
    this.port.beforeRemoteFrame();
    const f = restampSeq(frame, this.port);
    this.inbound?.hosts(f, lane);
    this.local.toHosts(f, lane, null);
  }

  /** `frame` carries this relay's seq already (the caller flushed the roster batch first: beforeRemoteFrame). */
  private inOne(target: Member, frame: Uint8Array, lane: LaneName | null): void {
    this.inbound?.one(target, frame, lane);
    this.local.toOne(target, frame, lane);
  }

  get spansRelays(): boolean {
    return this.nodes.size > 0;
  }

  get windowBytes(): number {
    return this.window.bytes;
  }

  // --- sending ---

  private sendSeq(subject: string, stream: string, type: number, lane: LaneName | null, flags: number, id: string, body: Uint8Array, seq: number): void {
    const msg = encodeMessage(type, lane, flags, seq, this.node.idBytes, id === '' ? EMPTY : utf8Of(id), body);
    this.window.add(stream, seq, msg);
    this.node.publish(subject, msg, lane);
  }

  private toAll(type: number, lane: LaneName | null, body: Uint8Array): void {
    this.sendSeq(this.allSubject, 'a', type, lane, 0, '', body, ++this.seqAll);
  }

  private toNode(node: string, type: number, lane: LaneName | null, id: string, body: Uint8Array): void {
    const seq = (this.seqDirect.get(node) ?? 0) + 1;
    this.seqDirect.set(node, seq);
    this.directSent++;
    this.sendSeq(`${this.base}.n.${node}`, `d:${node}`, type, lane, 0, id, body, seq);
  }

  /** Notes the state a frame creates that other relays must route to this one (polls, transfers). */
  private noteOwn(frame: Uint8Array): void {
    const kind = peekKind(frame);
    if (kind !== Kind.POLL_OPEN && kind !== Kind.DOC_OFFER) return;
    const d = decodeEnvelope(frame);
    if (!d.ok) return;
    if (kind === Kind.POLL_OPEN && d.value.pollOpen?.pollId) remember(this.ownPolls, d.value.pollOpen.pollId);
    if (kind === Kind.DOC_OFFER && d.value.docOffer?.transferId) remember(this.ownTransfers, d.value.docOffer.transferId);
  }

  /**
   * Whether other relays may hold members: some answered, or this relay attached recently (its HELLO's answers
   * may still be on their way; frames sent meanwhile must not be lost for them).
   */
  private get others(): boolean {
    return this.attached && (this.nodes.size > 0 || performance.now() - this.attachedAt < ATTACH_GRACE_MS);
  }

  private attachedAt = -Infinity;

  toEveryone(frame: Uint8Array, lane: LaneName | null, except: Member | null): number {
    const n = this.local.toEveryone(frame, lane, except);
    if (this.others) {
      if (lane === 'poll') this.noteOwn(frame);
      this.toAll(MsgType.ALL, lane, frame);
    }
    return n;
  }

  toHosts(frame: Uint8Array, lane: LaneName | null, except: Member | null): number {
    const n = this.local.toHosts(frame, lane, except);
    if (this.others) this.sendSeq(this.hostsSubject, 'h', MsgType.HOSTS, lane, 0, '', frame, ++this.seqHosts);
    return n;
  }

  toLocal(frame: Uint8Array, lane: LaneName | null): number {
    return this.local.toLocal(frame, lane);
  }

  toRelays(frame: Uint8Array, lane: LaneName | null): number {
    if (this.nodes.size === 0 || !this.attached) return 0;
    this.toAll(MsgType.ALL, lane, frame);
    return this.nodes.size;
  }

  toOne(member: Member, frame: Uint8Array, lane: LaneName | null): boolean {
    if (!(member instanceof RemoteMember)) return this.local.toOne(member, frame, lane);
    if (!this.attached) return false;
    if (lane === 'document') this.noteOwn(frame);
    this.toNode(member.node, MsgType.ONE, lane, member.participantId, frame);
    return true;
  }

  toMembers(members: readonly Member[], frame: Uint8Array, lane: LaneName | null): number {
    let n = 0;
    let byNode: Map<string, string[]> | null = null;
    for (const m of members) {
      if (m instanceof RemoteMember && m.participantId.includes('\n')) {
        // Cannot share the newline-separated header: sent on its own.
        if (this.toOne(m, frame, lane)) n++;
        continue;
      }
      if (!(m instanceof RemoteMember)) {
        if (this.local.toOne(m, frame, lane)) n++;
        continue;
      }
      byNode ??= new Map();
      const ids = byNode.get(m.node);
      if (ids === undefined) byNode.set(m.node, [m.participantId]);
      else ids.push(m.participantId);
    }
    if (byNode === null || !this.attached) return n;
    if (lane === 'document') this.noteOwn(frame);
    // Once per relay, whatever the number of its receivers: the ids travel in the header.
    for (const [node, ids] of byNode) {
      this.toNode(node, MsgType.ONE, lane, ids.join('\n'), frame);
      n += ids.length;
    }
    return n;
  }

  toTrack(route: TrackRoute, frame: Uint8Array, lane: LaneName, except: Member | null, keyframe = false): number {
    const n = this.local.toTrack(route, frame, lane, except);
    if (route.elsewhere > 0) this.toTrackElsewhere(route, frame, lane, keyframe);
    return n;
  }

  toTrackElsewhere(route: TrackRoute, frame: Uint8Array, lane: LaneName, keyframe: boolean): void {
    const r = route as ClusterTrackRoute;
    if (r.interested.size === 0 || r.remotePublisher !== null) return;
    // Sent at the end of the turn (flushMedia), with the meeting's other frames of the turn.
    const msg = encodeMessage(MsgType.MEDIA, lane, keyframe ? FLAG_KEYFRAME : 0, 0, this.node.idBytes, r.idBytes, frame);
    if (this.mediaOut.length === 0) this.node.queueMedia(this);
    this.mediaOut.push(msg);
    this.mediaRoutes.push(r);
  }

  /**
   * Sends this turn's media frames to the relays interested in their tracks, in whichever way makes fewer NATS
   * messages (publishes plus deliveries): each frame on its track's subject (one publish, one delivery per
   * interested relay: a lone frame, or frames for many relays each), or one MEDIA_BATCH per destination relay on
   * its .n.<node> subject holding exactly the frames of the tracks that relay is interested in (a meeting's
   * senders fire in the same turn: 5 frames to 1 relay are 2 messages instead of 10). Per-track interest holds
   * either way: a relay gets a track's frames only while it reported interest in it.
   */
  flushMedia(): void {
    const out = this.mediaOut;
    const routes = this.mediaRoutes;
    const n = out.length;
    try {
      if (n === 0) return;
      if (!this.attached) {
        for (const m of out) m.fill(0);
        return;
      }
      if (n > 1) {
        const bytes = this.mediaBytes;
        bytes.clear();
        let perTrack = 0;
        for (let i = 0; i < n; i++) {
          const r = routes[i]!;
          perTrack += 1 + r.interested.size;
          for (const d of r.interested) bytes.set(d, (bytes.get(d) ?? 0) + 4 + out[i]!.length);
        }
        if (2 * bytes.size < perTrack) {
          for (const d of bytes.keys()) this.sendMediaBatch(d);
          for (const m of out) m.fill(0);
          return;
        }
      }
      for (let i = 0; i < n; i++) {
        const r = routes[i]!;
        const m = out[i]!;
        if (r.interested.size === 0) m.fill(0);
        else this.node.publish(r.subject, m, LANES[m[1]!] ?? null, true);
      }
    } finally {
      out.length = 0;
      routes.length = 0;
    }
  }

  /** One MEDIA_BATCH (or several past MAX_BATCH_BYTES) of this turn's frames that relay `d` is interested in. */
  private sendMediaBatch(d: string): void {
    const out = this.mediaOut;
    const routes = this.mediaRoutes;
    const subject = `${this.base}.n.${d}`;
    const header = mediaBatchHeaderLength(this.node.idBytes);
    const entries: Uint8Array[] = [];
    let size = header;
    for (let i = 0; i < out.length; i++) {
      if (!routes[i]!.interested.has(d)) continue;
      const m = out[i]!;
      if (entries.length > 0 && size + 4 + m.length > MAX_BATCH_BYTES) {
        this.publishBatch(subject, entries, size);
        entries.length = 0;
        size = header;
      }
      entries.push(m);
      size += 4 + m.length;
      this.node.countOut(LANES[m[1]!] ?? null, m.length);
    }
    if (entries.length > 0) this.publishBatch(subject, entries, size);
  }

  private publishBatch(subject: string, entries: readonly Uint8Array[], size: number): void {
    const batch = encodeMediaBatch(this.node.idBytes, entries, size);
    if (this.node.link.publish(subject, batch, true)) this.node.stats.mediaBatches++;
    else batch.fill(0);
  }

  backlog(member: Member): number {
    return member instanceof RemoteMember ? 0 : this.local.backlog(member);
  }

  openTrack(publisher: Member, trackId: number): TrackRoute {
    const local = this.local.openTrack(publisher, trackId);
    const subject = `${this.base}.t.${subjectToken(publisher.participantId)}.${trackId}`;
    const remote = publisher instanceof RemoteMember ? publisher : null;
    const route = new ClusterTrackRoute(local.topic, subject, subject.slice(this.trackPrefix.length), remote, trackId);
    (remote !== null ? this.remoteTracks : this.ownTracks).set(`${publisher.participantId}\n${trackId}`, route);
    return route;
  }

  subscribeTrack(member: Member, route: TrackRoute): void {
    const r = route as ClusterTrackRoute;
    const before = r.receivers;
    this.local.subscribeTrack(member, r);
    if (r.remotePublisher !== null && before === 0 && r.receivers > 0) {
      this.node.link.subscribe(r.subject);
      this.toNode(r.remotePublisher.node, MsgType.INTEREST, null, '', jsonBody({ p: r.remotePublisher.participantId, t: r.trackId, on: true }));
    }
  }

  unsubscribeTrack(member: Member, route: TrackRoute): void {
    const r = route as ClusterTrackRoute;
    const before = r.receivers;
    this.local.unsubscribeTrack(member, r);
    if (r.remotePublisher !== null && before > 0 && r.receivers === 0) {
      this.node.link.unsubscribe(r.subject);
      if (this.attached) this.toNode(r.remotePublisher.node, MsgType.INTEREST, null, '', jsonBody({ p: r.remotePublisher.participantId, t: r.trackId, on: false }));
    }
  }

  closeTrack(route: TrackRoute): void {
    const r = route as ClusterTrackRoute;
    if (r.remotePublisher !== null && r.receivers > 0) this.node.link.unsubscribe(r.subject);
    this.local.closeTrack(r);
    r.interested.clear();
    r.elsewhere = 0;
    const key = `${(r.remotePublisher?.participantId ?? '')}\n${r.trackId}`;
    if (r.remotePublisher !== null) this.remoteTracks.delete(key);
    else for (const [k, v] of this.ownTracks) if (v === r) this.ownTracks.delete(k);
  }

  joined(member: Member): void {
    const before = this.local.size;
    this.local.joined(member);
    if (this.local.size === before) return;
    this.localCount++;
    if (this.local.isHost(member)) this.hostJoined();
    if (!this.attached) this.attach();
  }

  left(member: Member): void {
    const wasHost = this.local.isHost(member);
    const before = this.local.size;
    this.local.left(member);
    if (this.local.size === before) return;
    this.localCount--;
    if (wasHost) this.hostLeft();
    // Detached once the meeting's LEFT notice went out (the meeting sends it right after this call).
    // A session whose place is held (resume) is still a member here: the meeting is not left while one is.
    if (this.localCount === 0) setImmediate(() => { if (this.localCount === 0 && this.port.localMembers().next().done === true) this.detach(); });
  }

  roleChanged(member: Member): void {
    const wasHost = this.local.isHost(member);
    this.local.roleChanged(member);
    if (wasHost && member.role !== 'host') this.hostLeft();
    else if (!wasHost && member.role === 'host') this.hostJoined();
  }

  private hostJoined(): void {
    if (++this.localHosts === 1 && this.attached && !this.hostsSubscribed) {
      this.hostsSubscribed = true;
      this.node.link.subscribe(this.hostsSubject);
    }
  }

  private hostLeft(): void {
    if (--this.localHosts === 0 && this.hostsSubscribed) {
      this.hostsSubscribed = false;
      this.node.link.unsubscribe(this.hostsSubject);
    }
  }

  /** Forwards frames that act on another relay's poll or transfer to that relay. */
  claim(sender: Member, env: Envelope): boolean {
    if (this.owners.size === 0) return false;
    let key: string | undefined;
    switch (env.kind) {
      case Kind.POLL_ANSWER:
        key = `p:${env.pollAnswer?.pollId ?? ''}`;
        break;
      case Kind.POLL_CLOSE:
        key = `p:${env.pollClose?.pollId ?? ''}`;
        break;
      case Kind.DOC_ACK:
        key = `d:${env.docAck?.transferId ?? ''}`;
        break;
      case Kind.DOC_CANCEL:
        key = `d:${env.docCancel?.transferId ?? ''}`;
        break;
      case Kind.DOC_RESEND:
        key = `d:${env.docResend?.transferId ?? ''}`;
        break;
      default:
        return false;
    }
    const owner = this.owners.get(key);
    if (owner === undefined || owner === this.node.id || !this.nodes.has(owner)) return false;
    this.toNode(owner, MsgType.FORWARD, null, sender.participantId, encodeEnvelope(env));
    return true;
  }

  // --- interest: subscribe while this relay holds a member ---

  private attach(): void {
    if (this.closed) return;
    this.attached = true;
    this.attachedAt = performance.now();
    this.node.attached(this);
    // What this relay heard of the owner's decisions for the meeting (every relay hears them all).
    const known = this.node.seats.attached(this.port.meetingId);
    if (known.locked !== undefined) this.port.ownerDecision(known.locked, undefined);
    for (const id of known.barred) this.port.ownerDecision(undefined, id);
    this.node.link.subscribe(this.allSubject);
    this.node.link.subscribe(this.mySubject);
    if (this.localHosts > 0 && !this.hostsSubscribed) {
      this.hostsSubscribed = true;
      this.node.link.subscribe(this.hostsSubject);
    }
    // The HELLO carries this relay's state (its first member is already in it): the others learn its members.
    this.toAll(MsgType.HELLO, null, jsonBody(this.state()));
  }

  private detach(): void {
    if (!this.attached) return;
    this.stateSentTo.clear();
    this.toAll(MsgType.BYE, null, EMPTY);
    this.attached = false;
    this.node.link.unsubscribe(this.allSubject);
    this.node.link.unsubscribe(this.mySubject);
    if (this.hostsSubscribed) this.node.link.unsubscribe(this.hostsSubject);
    this.hostsSubscribed = false;
    for (const r of this.remoteTracks.values()) if (r.receivers > 0) this.node.link.unsubscribe(r.subject);
    for (const s of this.inStreams.values()) if (s.timer !== null) clearTimeout(s.timer);
    this.inStreams.clear();
    for (const node of [...this.nodes]) this.forgetNode(node, false);
    this.window.clear();
    this.node.detached(this);
  }

  close(): void {
    this.detach();
    this.closed = true;
  }

  /** A relay of this meeting was declared dead (no heartbeat): its members leave with relay_failure. */
  nodeDied(node: string): void {
    if (this.nodes.has(node) || this.port.remoteIdsOn(node).length > 0) this.forgetNode(node, true, 'relay_failure');
  }

  private forgetNode(node: string, announce: boolean, reason = 'disconnect'): void {
    this.nodes.delete(node);
    this.stateSentTo.delete(node);
    for (const r of this.ownTracks.values()) {
      if (r.interested.delete(node)) r.elsewhere = r.interested.size;
    }
    for (const [key, owner] of this.owners) if (owner === node) this.owners.delete(key);
    for (const key of [...this.inStreams.keys()]) if (key.startsWith(`${node}\n`)) this.dropStream(key);
    // Remote members of that relay: their LEFT notices came on the stream; what remains left with the relay.
    for (const id of this.port.remoteIdsOn(node)) this.port.remoteLeft(id, reason, announce);
  }

  private dropStream(key: string): void {
    const s = this.inStreams.get(key);
    if (s?.timer) clearTimeout(s.timer);
    this.inStreams.delete(key);
  }

  // --- receiving ---

  /** A message on one of this meeting's subjects. */
  receive(data: Uint8Array): void {
    if (!this.attached) return;
    const msg = decodeMessage(data);
    if (msg === null || msg.origin === this.node.id) return;
    if (msg.type === MsgType.MEDIA) return this.media(msg);
    if (msg.type === MsgType.MEDIA_BATCH) return this.mediaBatch(msg.body);
    if (msg.type === MsgType.REPLAY) {
      const inner = decodeMessage(msg.body);
      if (inner !== null) this.sequenced(inner, true);
      return;
    }
    if (msg.type === MsgType.NACK) return this.nack(msg);
    if (msg.type === MsgType.LOST) return this.lost(msg.origin);
    if (msg.type === MsgType.TAIL) return this.tail(msg);
    this.sequenced(msg, false);
  }

  private sequenced(msg: ClusterMessage, replay: boolean): void {
    const stream = streamOf(msg.type);
    if (stream < 0) return;
    const key = `${msg.origin}\n${stream}`;
    let s = this.inStreams.get(key);
    if (s === undefined) {
      // No history: a stream starts at the first message this relay sees of it.
      if (replay) return;
      s = { next: msg.seq, until: msg.seq - 1, buffer: new Map(), timer: null };
      this.inStreams.set(key, s);
    }
    if (msg.seq < s.next) return;
    if (msg.seq > s.next) {
      if (s.buffer.has(msg.seq)) return;
      if (s.buffer.size >= MAX_BUFFERED) return this.failGap(key);
      // Kept past this callback: copy the bytes it views.
      s.buffer.set(msg.seq, { ...msg, body: msg.body.slice() });
      if (msg.seq > s.until + 1) this.openGap(key, s, msg.origin, stream, s.until + 1, msg.seq - 1);
      if (msg.seq > s.until) s.until = msg.seq;
      return;
    }
    if (msg.seq > s.until) s.until = msg.seq;
    this.apply(msg);
    s.next++;
    while (s.buffer.size > 0) {
      const nextMsg = s.buffer.get(s.next);
      if (nextMsg === undefined) break;
      s.buffer.delete(s.next);
      this.apply(nextMsg);
      nextMsg.body.fill(0);
      s.next++;
    }
    if (s.timer !== null && s.next > s.until) {
      clearTimeout(s.timer);
      s.timer = null;
      this.node.stats.gapsRecovered++;
      this.node.log.info({ event: 'cluster_gap_recovered', meetingId: this.port.meetingId, origin: msg.origin, stream }, 'cluster: gap recovered');
    }
  }

  /** Messages from..to of a stream are missing: ask the origin for them and give it gapTimeoutMs. */
  private openGap(key: string, s: InStream, origin: string, stream: number, from: number, to: number): void {
    if (s.timer === null) {
      this.node.stats.gapsDetected++;
      this.node.log.warn({ event: 'cluster_gap', meetingId: this.port.meetingId, origin, stream, from, to }, 'cluster: gap detected, asking for a resend');
      s.timer = setTimeout(() => this.failGap(key), this.node.gapTimeoutMs);
      s.timer.unref();
    }
    this.node.link.publish(`${this.base}.n.${origin}`, encodeMessage(MsgType.NACK, null, 0, 0, this.node.idBytes, EMPTY, jsonBody({ s: stream, from, to })));
  }

  /**
   * An origin's STATE or HELLO says the last sequence number it had sent on `stream`: a stream this relay has not
   * seen a message of starts right after it; one it has seen misses anything between what it applied and that.
   */
  private streamFrom(origin: string, stream: number, last: number | undefined): void {
    if (typeof last !== 'number' || !Number.isInteger(last) || last < 0) return;
    const key = `${origin}\n${stream}`;
    const s = this.inStreams.get(key);
    if (s === undefined) this.inStreams.set(key, { next: last + 1, until: last, buffer: new Map(), timer: null });
    else this.sentUpTo(key, s, origin, stream, last);
  }

  /** The origin says it sent up to `last` on a stream this relay follows: whatever this relay has not seen is a gap. */
  private sentUpTo(key: string, s: InStream, origin: string, stream: number, last: number): void {
    if (last <= s.until) return;
    this.openGap(key, s, origin, stream, s.until + 1, last);
    s.until = last;
  }

  /** An origin's TAIL: the last sequence numbers it sent; anything after what this relay applied was lost. */
  private tail(msg: ClusterMessage): void {
    const t = parseJson<{ a: number; h: number; d: Record<string, number> }>(msg.body);
    if (t === null) return;
    const check = (stream: number, last: number | undefined): void => {
      if (typeof last !== 'number') return;
      const key = `${msg.origin}\n${stream}`;
      const s = this.inStreams.get(key);
      if (s !== undefined) this.sentUpTo(key, s, msg.origin, stream, last);
    };
    check(Stream.ALL, t.a);
    if (this.hostsSubscribed) check(Stream.HOSTS, t.h);
    check(Stream.DIRECT, t.d?.[this.node.id]);
  }

  /** Periodic (ClusterNode): tells the other relays the last sequence numbers sent, so a lost tail is noticed. */
  sendTail(): void {
    if (!this.attached || this.nodes.size === 0) return;
    const sent = this.seqAll + this.seqHosts + this.directSent;
    if (sent === this.tailSent) return;
    this.tailSent = sent;
    const d: Record<string, number> = {};
    for (const [node, seq] of this.seqDirect) d[node] = seq;
    this.node.link.publish(this.allSubject, encodeMessage(MsgType.TAIL, null, 0, 0, this.node.idBytes, EMPTY, jsonBody({ a: this.seqAll, h: this.seqHosts, d })));
  }

  /** Relays this one has sent its STATE to since it attached (a HELLO's answer, or the answer to theirs). */
  private readonly stateSentTo = new Set<string>();
  private directSent = 0;
  private tailSent = 0;

  /** A gap that cannot be filled: never a silent hole, the local sessions are closed (4013) and may rejoin. */
  private failGap(key: string): void {
    const s = this.inStreams.get(key);
    if (s === undefined) return;
    if (s.timer !== null) clearTimeout(s.timer);
    for (const m of s.buffer.values()) m.body.fill(0);
    this.inStreams.delete(key);
    this.node.stats.gapsFailed++;
    this.node.log.warn({ event: 'cluster_gap_failed', meetingId: this.port.meetingId, origin: key.split('\n')[0] }, 'cluster: gap not recovered, closing this relay\'s sessions of the meeting');
    this.port.closeLocal('RELAY_ERR_CLUSTER_GAP');
  }

  private lost(origin: string): void {
    for (const key of [...this.inStreams.keys()]) {
      const s = this.inStreams.get(key)!;
      if (key.startsWith(`${origin}\n`) && s.timer !== null) this.failGap(key);
    }
  }

  private nack(msg: ClusterMessage): void {
    const body = parseJson<{ s: number; from: number; to: number }>(msg.body);
    if (body === null || !(body.to >= body.from) || body.to - body.from > MAX_BUFFERED) return;
    const key = body.s === Stream.ALL ? 'a' : body.s === Stream.HOSTS ? 'h' : `d:${msg.origin}`;
    const reply = `${this.base}.n.${msg.origin}`;
    for (let seq = body.from; seq <= body.to; seq++) {
      const original = this.window.get(key, seq);
      if (original === undefined) {
        this.node.link.publish(reply, encodeMessage(MsgType.LOST, null, 0, 0, this.node.idBytes, EMPTY, EMPTY));
        return;
      }
      this.node.stats.messagesResent++;
      const replay = encodeMessage(MsgType.REPLAY, null, 0, 0, this.node.idBytes, EMPTY, original);
      this.node.link.publish(reply, replay, true);
    }
  }

  private media(msg: ClusterMessage): void {
    // The publisher's id is in the subject; the frame's `from` says it too: find the track by subject.
    const route = this.node.routeBySubject.get(this.currentSubject);
    if (route === undefined || route.track === null) {
      this.node.stats.lossyDropped++;
      return;
    }
    this.node.countIn(msg.lane, msg.body.length);
    this.port.remoteMedia(route.track, restampSeq(msg.body, this.port), (msg.flags & FLAG_KEYFRAME) !== 0);
  }

  /** Another relay's media frames of one turn: each as if it came on its track's subject. */
  private mediaBatch(body: Uint8Array): void {
    let pos = 0;
    while ((pos = nextMediaEntry(body, pos, ENTRY)) >= 0) {
      const msg = decodeMessage(ENTRY.view);
      if (msg === null || msg.type !== MsgType.MEDIA) continue;
      this.currentSubject = this.trackPrefix + msg.id;
      this.media(msg);
    }
    ENTRY.view = EMPTY;
  }

  /** Set by the node before receive() for media (avoids a closure per message). */
  currentSubject = '';

  private apply(msg: ClusterMessage): void {
    this.node.countIn(msg.lane, msg.body.length);
    switch (msg.type) {
      case MsgType.ALL:
        this.nodes.add(msg.origin);
        // Another relay's roster changes are mirrored, then reach this relay's participants through its roster
        // batcher, as its own do (mirror() returns false for them).
        if (this.mirror(msg.origin, msg.body, msg.lane)) this.inLocal(msg.body, msg.lane);
        return;
      case MsgType.HOSTS:
        this.inHosts(msg.body, msg.lane);
        return;
      case MsgType.ONE: {
        if (peekKind(msg.body) === Kind.DOC_OFFER) {
          const d = decodeEnvelope(msg.body);
          if (d.ok && d.value.docOffer?.transferId) this.owners.set(`d:${d.value.docOffer.transferId}`, msg.origin);
        }
        // One participant id, or several separated by newlines (toMembers): one seq for all of them.
        if (msg.id.indexOf('\n') < 0) {
          const target = this.port.localMember(msg.id);
          if (target === undefined) return;
          this.port.beforeRemoteFrame();
          this.inOne(target, restampSeq(msg.body, this.port), msg.lane);
          return;
        }
        const targets: Member[] = [];
        for (const id of msg.id.split('\n')) {
          const target = this.port.localMember(id);
          if (target !== undefined) targets.push(target);
        }
        if (targets.length === 0) return;
        this.port.beforeRemoteFrame();
        const frame = restampSeq(msg.body, this.port);
        // One copy in the window for all of them (as toMembers on one relay).
        this.inbound?.list(targets, frame, msg.lane);
        for (const t of targets) this.local.toOne(t, frame, msg.lane);
        return;
      }
      case MsgType.FORWARD: {
        const sender = this.port.remoteMember(msg.id);
        if (sender !== undefined && sender.node === msg.origin) this.port.forwarded(sender, msg.body);
        return;
      }
      case MsgType.HELLO:
        this.nodes.add(msg.origin);
        this.stateSentTo.add(msg.origin);
        this.toNode(msg.origin, MsgType.STATE, null, '', jsonBody(this.state()));
        return this.applyStateBody(msg.origin, msg.body);
      case MsgType.STATE:
        // The answer to our HELLO. Members that joined here after our HELLO went out, while this relay knew no other
        // (`nodes` empty: nobody to tell), are in no message the origin saw: our own STATE, once per relay, tells
        // it. The origin sent us its STATE already, so it does not answer this one: no echo.
        this.nodes.add(msg.origin);
        if (!this.stateSentTo.has(msg.origin)) {
          this.stateSentTo.add(msg.origin);
          this.toNode(msg.origin, MsgType.STATE, null, '', jsonBody(this.state()));
        }
        return this.applyStateBody(msg.origin, msg.body);
      case MsgType.INTEREST: {
        const b = parseJson<{ p: string; t: number; on: boolean }>(msg.body);
        const r = b === null ? undefined : this.ownTracks.get(`${b.p}\n${b.t}`);
        if (r === undefined || b === null) return;
        if (b.on) r.interested.add(msg.origin);
        else r.interested.delete(msg.origin);
        r.elsewhere = r.interested.size;
        return;
      }
      case MsgType.BYE:
        this.forgetNode(msg.origin, true);
        return;
    }
  }

  private state(): StateBody {
    const members: StateBody['members'] = [];
    for (const m of this.port.localMembers()) {
      const s = m as Member & { displayName?: string; joinedAt?: number };
      members.push({ id: m.participantId, role: m.role, caps: capabilityList(m.capabilities), name: s.displayName ?? '', at: s.joinedAt ?? 0 });
    }
    return {
      members, tracks: this.port.localTracks(), locked: this.port.locked, barred: [...this.port.barred], polls: [...this.ownPolls], transfers: [...this.ownTransfers],
      a: this.seqAll, h: this.seqHosts,
    };
  }

  private applyStateBody(origin: string, body: Uint8Array): void {
    const st = parseJson<StateBody>(body);
    if (st === null) return;
    this.streamFrom(origin, Stream.ALL, st.a);
    if (this.hostsSubscribed) this.streamFrom(origin, Stream.HOSTS, st.h);
    this.port.applyState(st.locked === true, Array.isArray(st.barred) ? st.barred : []);
    for (const m of st.members ?? []) this.port.remoteJoined(new RemoteMember(m.id, origin, m.role, capabilityMask(m.role, m.caps), m.name, m.at), true);
    // The publishers' JOINED (in the roster batch) before their tracks are announced here.
    if (st.tracks !== undefined && st.tracks.length > 0) this.port.beforeRemoteFrame();
    for (const t of st.tracks ?? []) this.addRemoteTrack(origin, t, true);
    for (const id of st.polls ?? []) this.owners.set(`p:${id}`, origin);
    for (const id of st.transfers ?? []) this.owners.set(`d:${id}`, origin);
  }

  private addRemoteTrack(origin: string, info: TrackInfo, announce: boolean): void {
    const publisher = this.port.remoteMember(info.publisher);
    if (publisher === undefined || publisher.node !== origin) return;
    const track = this.port.remoteTrackPublished(publisher, info, announce);
    if (track === undefined) return;
    const route = track.route as ClusterTrackRoute;
    route.track = track;
    this.node.routeBySubject.set(route.subject, route);
  }

  /**
   * The state every relay keeps of the others' members and tracks, from the control frames they forward. False
   * when the frame must not reach this relay's participants: a LEFT of a participant that is back elsewhere (it
   * reconnected through another relay, whose JOINED came first).
   */
  private mirror(origin: string, frame: Uint8Array, lane: LaneName | null): boolean {
    const kind = peekKind(frame);
    if (kind === Kind.CHAT || kind === Kind.MEDIA || kind === Kind.ACTIVE_SPEAKERS) return true;
    const d = decodeEnvelope(frame);
    if (!d.ok) return true;
    const env = d.value;
    switch (env.kind) {
      case Kind.ROSTER: {
        const r = env.roster;
        const p = r?.participant;
        if (r == null || p == null || !p.id) return true;
        const role = (p.role ?? 'attendee') as Role;
        const caps = capabilityMask(role === 'host' ? 'host' : 'attendee', (p.capabilities ?? []) as Capability[]);
        // JOINED, LEFT, UPDATED: mirrored here and told to this relay's participants by its roster batcher (batched,
        // the large-meeting rule, the cluster-wide count), never as the origin's frame one per change.
        if (r.change === RosterChange.JOINED) {
          this.port.remoteJoined(new RemoteMember(p.id, origin, role, caps, p.displayName ?? '', Number(p.joinedAt ?? 0)), true);
          return false;
        }
        if (r.change === RosterChange.LEFT) {
          // A LEFT of a participant that is back elsewhere, or that this relay never listed, tells nobody here anything.
          if (this.port.remoteMember(p.id)?.node === origin) this.port.remoteLeft(p.id, r.reason ?? '', true);
          return false;
        }
        if (r.change === RosterChange.UPDATED) {
          if (this.port.remoteMember(p.id)?.node === origin) this.port.remoteRoleChanged(p.id, role, caps, true);
          return false;
        }
        // RECONNECTING, RESUMED: not batched (as on one relay), to everyone or, for an attendee of a large meeting,
        // to the staff only. Held on its relay, or resumed there: the transfers this relay owns follow.
        if (this.port.remoteMember(p.id)?.node !== origin) return false;
        this.port.remoteRoleChanged(p.id, role, caps);
        this.port.remoteAway(p.id, r.change === RosterChange.RECONNECTING);
        if (!this.port.noticeToStaffOnly(p.id)) return true;
        this.port.beforeRemoteFrame();
        const f = restampSeq(frame, this.port);
        this.port.toLocalStaff(f);
        return false;
      }
      case Kind.TRACK_PUBLISH:
        if (env.trackInfo != null) this.addRemoteTrack(origin, { id: env.trackInfo.id ?? 0, source: env.trackInfo.source ?? 0, codec: env.trackInfo.codec ?? '', publisher: env.trackInfo.publisher ?? env.from }, false);
        return true;
      case Kind.TRACK_UNPUBLISH: {
        const id = env.trackInfo?.id ?? 0;
        const pub = env.trackInfo?.publisher || env.from;
        const route = this.remoteTracks.get(`${pub}\n${id}`);
        if (route !== undefined) this.node.routeBySubject.delete(route.subject);
        this.port.remoteTrackUnpublished(pub, id);
        return true;
      }
      case Kind.HOST_CONTROL: {
        // The notice first, then its effect (as on one relay: announced, then the meeting ends or the target goes).
        this.inLocal(frame, lane);
        // A lock or unlock the owner relay already ordered (its decision came first) changes nothing: the owner's
        // order stands (cluster-seats.ts).
        const action = env.hostControl?.action;
        if ((action === HostAction.LOCK || action === HostAction.UNLOCK) && this.node.seats.noticeStale(this.port.meetingId, origin)) return false;
        this.port.remoteHostControl(env);
        return false;
      }
      case Kind.POLL_OPEN:
        if (env.pollOpen?.pollId) this.owners.set(`p:${env.pollOpen.pollId}`, origin);
        return true;
    }
    return true;
  }
}

export { setSeq };
