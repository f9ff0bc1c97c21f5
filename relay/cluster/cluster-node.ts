/**
 * This relay's part in a cluster: the NATS link, the meetings that hold local members (and so are subscribed),
 * and the factory that gives each meeting its cluster delivery. The meeting core sees only the factory's result.
 */
import { describeError } from '../log/describe-error.js';
import { LocalDelivery } from '../meeting/local-delivery.js';
import type { DeliveryFactory, DeliveryHost } from '../meeting/meeting.js';
import type { LaneName } from '../../protocol/kind-lanes.js';
import type { RelayOptions } from '../config/relay-options.js';
import type { Logger } from '../log/logger.js';
import { NatsLink } from './nats-link.js';
import { ClusterMeeting } from './cluster-meeting.js';
import { createClusterStats, type ClusterStats } from './cluster-stats.js';
import { utf8Of } from './cluster-codec.js';
import { bucketName, ClusterIdSet } from './cluster-id-store.js';
import { ENDED_MEETING_TTL_MS } from '../meeting/admission.js';
import { RelayPresence } from './relay-presence.js';
import { ClusterCdr, type PartRecorder } from './cluster-cdr.js';
import { ClusterSeats } from './cluster-seats.js';

/** How often a meeting's relays announce the last sequence numbers they sent (when they sent any since). */
const TAIL_INTERVAL_MS = 500;

/** A subject-safe node id from the node name. */
export function defaultNodeId(node: string): string {
  return node.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 64) || 'relay';
}

export class ClusterNode {
  readonly id: string;
  readonly idBytes: Uint8Array;
  readonly prefix: string;
  readonly retransmitBytes: number;
  readonly gapTimeoutMs: number;
  readonly stats: ClusterStats = createClusterStats();
  readonly link: NatsLink;
  /** Meetings subscribed now (holding a local member), by meeting id. */
  readonly meetings = new Map<string, ClusterMeeting>();
  /** Remote tracks this relay receives, by NATS subject. */
  readonly routeBySubject = new Map<string, { track: import('../meeting/lanes/media.js').MediaTrack | null; subject: string }>();
  /** The cluster's memory of used single-use token ids and of ended meeting ids (JetStream KV, digests only). */
  readonly usedTokens: ClusterIdSet;
  readonly endedMeetings: ClusterIdSet;
  /** The live relays and each meeting's owner (rendezvous hashing over them). */
  readonly presence: RelayPresence;
  /** The meeting records: this relay's parts, and the ledgers of the meetings it owns (or would take over). */
  readonly cdr: ClusterCdr;
  /** The participant cap across relays: seats asked of (and granted by) each meeting's owner. */
  readonly seats: ClusterSeats;
  /** Control subjects this relay is always subscribed to. */
  readonly controlSubjects = 4;
  private readonly meetingPrefix: string;
  private readonly ctlPrefix: string;
  private readonly tailTimer: NodeJS.Timeout;

  constructor(o: RelayOptions, readonly log: Logger, recorder: PartRecorder) {
    this.id = o.clusterNodeId ?? `${defaultNodeId(o.node)}-${process.pid}`;
    this.idBytes = utf8Of(this.id);
    this.prefix = o.clusterSubjectPrefix;
    this.meetingPrefix = `${this.prefix}.m.`;
    this.ctlPrefix = `${this.prefix}.ctl.`;
    this.retransmitBytes = o.clusterRetransmitBytes;
    this.gapTimeoutMs = o.clusterGapTimeoutMs;
    this.link = new NatsLink(
      {
        servers: o.clusterNats,
        name: `ephemera-relay-${this.id}`,
        user: o.clusterUser,
        password: o.clusterPassword,
        token: o.clusterToken,
        credsFile: o.clusterCredsFile,
        nkeySeedFile: o.clusterNkeySeedFile,
        tlsCaFile: o.clusterTlsCaFile,
        tlsCertFile: o.clusterTlsCertFile,
        tlsKeyFile: o.clusterTlsKeyFile,
      },
      log,
      (subject, data) => this.onMessage(subject, data),
    );
    const store = { replicas: o.clusterStoreReplicas, timeoutMs: o.clusterStoreTimeoutMs };
    this.usedTokens = new ClusterIdSet(this.link, { ...store, bucket: bucketName(this.prefix, 'used_tokens'), namespace: 'jti', ttlMs: o.clusterUsedTokenTtlSeconds * 1000 }, log);
    this.endedMeetings = new ClusterIdSet(this.link, { ...store, bucket: bucketName(this.prefix, 'ended_meetings'), namespace: 'meeting', ttlMs: ENDED_MEETING_TTL_MS }, log);
    this.presence = new RelayPresence(
      { selfId: this.id, prefix: this.prefix, intervalMs: o.clusterHeartbeatMs, deadAfterMs: o.clusterDeadAfterMs },
      (subject, body) => this.link.publish(subject, body),
    );
    this.cdr = new ClusterCdr(
      {
        selfId: this.id, relayNode: o.node, prefix: this.prefix, heartbeatMs: o.clusterHeartbeatMs, deadAfterMs: o.clusterDeadAfterMs,
        windowMs: o.clusterCdrWindowMs, interimIntervalMs: o.cdrInterimIntervalMs,
      },
      this.presence,
      recorder,
      (subject, body) => this.link.publish(subject, body),
      log,
      () => this.link.ready,
    );
    this.seats = new ClusterSeats(this.id, this.prefix, this.presence, this.cdr.ledger, (subject, body) => this.link.publish(subject, body),
      (m, locked, barred) => this.meetings.get(m)?.port.ownerDecision(locked, barred));
    this.presence.on('down', (node, why) => {
      log.warn({ event: 'cluster_relay_down', node, why }, 'cluster: a relay left the cluster');
      for (const m of this.meetings.values()) m.nodeDied(node);
    });
    this.presence.on('up', (node) => log.info({ event: 'cluster_relay_up', node }, 'cluster: a relay joined the cluster'));
    // It was declared dead here but may not know (its outage looked shorter from its side): tell it.
    this.presence.on('revived', (node, boot) => this.link.publish(`${this.prefix}.ctl.n.${node}`, utf8Of(JSON.stringify({ t: 'dead', from: this.id, boot }))));
    this.presence.on('stalled', (ms) => {
      // The others declared this relay dead meanwhile (its sessions are relay_failure in the records): its
      // participants must rejoin, through any relay.
      this.stats.stalls++;
      log.warn({ event: 'cluster_cut_off', ms: Math.round(ms) }, 'cluster: this relay was cut off longer than the dead-after time; closing its sessions');
      for (const m of [...this.meetings.values()]) m.port.closeLocal('RELAY_ERR_CLUSTER_CUT_OFF', 'relay_failure');
    });
    // Control subjects, subscribed for the relay's life (the metric of subscriptions counts meeting subjects only).
    this.link.subscribe(this.presence.subject);
    this.link.subscribe(this.cdr.ownSubject);
    this.link.subscribe(this.cdr.recSubject);
    this.link.subscribe(this.seats.rulesSubject);
    this.link.onConnected(() => this.presence.start());
    this.link.onDisconnected(() => this.presence.disconnected());
    this.link.onReconnected((downMs) => this.presence.cutOff(downMs));
    this.link.onFlush(this.flushMedia);
    this.tailTimer = setInterval(() => {
      for (const m of this.meetings.values()) m.sendTail();
    }, TAIL_INTERVAL_MS);
    this.tailTimer.unref();
  }

  /** The delivery factory for the meeting core. */
  readonly createDelivery: DeliveryFactory = (host: DeliveryHost) => new ClusterMeeting(this, host.port, new LocalDelivery(host.transport, host.stats));

  /** Null when ready; else why not (for /readyz and admission). */
  notReadyReason(): string | null {
    return this.link.ready ? null : 'cluster_unreachable';
  }

  attached(m: ClusterMeeting): void {
    this.meetings.set(m.port.meetingId, m);
  }

  detached(m: ClusterMeeting): void {
    if (this.meetings.get(m.port.meetingId) === m) this.meetings.delete(m.port.meetingId);
  }

  /** Publishes one message and counts it on its lane (null: the relays' own control messages). */
  publish(subject: string, msg: Uint8Array, lane: LaneName | null, zero = false): void {
    if (!this.link.publish(subject, msg, zero)) return;
    const t = this.stats.traffic[lane ?? 'cluster'];
    t.framesOut++;
    t.bytesOut += msg.length;
  }

  /** Meetings holding media frames of this turn for other relays (ClusterMeeting.flushMedia). */
  private mediaQueue: ClusterMeeting[] = [];

  /** `m` has media for other relays this turn: flushed once, at the end of the turn, with the turn's batch. */
  queueMedia(m: ClusterMeeting): void {
    this.mediaQueue.push(m);
    this.link.requestFlush();
  }

  private readonly flushMedia = (): void => {
    if (this.mediaQueue.length === 0) return;
    const q = this.mediaQueue;
    this.mediaQueue = [];
    for (const m of q) m.flushMedia();
  };

  /** Counts a frame sent to the cluster inside a message published directly on the link (a media batch). */
  countOut(lane: LaneName | null, bytes: number): void {
    const t = this.stats.traffic[lane ?? 'cluster'];
    t.framesOut++;
    t.bytesOut += bytes;
  }

  countIn(lane: LaneName | null, bytes: number): void {
    const t = this.stats.traffic[lane ?? 'cluster'];
    t.framesIn++;
    t.bytesIn += bytes;
  }

  private onMessage(subject: string, data: Uint8Array): void {
    if (subject.startsWith(this.ctlPrefix)) return this.onControl(subject, data);
    if (!subject.startsWith(this.meetingPrefix)) return;
    const dot = subject.indexOf('.', this.meetingPrefix.length);
    if (dot < 0) return;
    const m = this.meetings.get(subject.slice(this.meetingPrefix.length, dot));
    if (m === undefined) return;
    if (subject.charCodeAt(dot + 1) === 0x74 /* t */ && subject.charCodeAt(dot + 2) === 0x2e) {
      m.currentSubject = subject;
    }
    try {
      m.receive(data);
    } catch (err) {
      // One bad message must not take the relay down; the error names no content.
      this.stats.errors++;
      // Type and stack frames only: the message (and the stack's first line) may quote the frame being handled.
      this.log.error({ event: 'cluster_error', meetingId: m.port.meetingId, err: describeError(err) }, 'cluster: message handling failed');
    }
  }

  private onControl(subject: string, data: Uint8Array): void {
    try {
      if (subject === this.presence.subject) this.presence.receive(data);
      else if (!this.deadNotice(data) && !this.seatMessage(data)) this.cdr.receive(subject, data);
    } catch (err) {
      this.stats.errors++;
      this.log.error({ event: 'cluster_error', err: describeError(err) }, 'cluster: control message handling failed');
    }
  }

  /** Another relay's "you were declared dead" (JSON `{t:'dead',from,boot}`): true when it was one. */
  private deadNotice(data: Uint8Array): boolean {
    // Cheap check before parsing: the CDR's messages are larger and never start so.
    if (data.length > 200 || data[0] !== 0x7b /* { */ || data[2] !== 0x74 /* t */ || data[6] !== 0x64 /* d */) return false;
    let m: { t?: unknown; boot?: unknown };
    try {
      m = JSON.parse(new TextDecoder().decode(data)) as { t?: unknown; boot?: unknown };
    } catch {
      return false;
    }
    if (m.t !== 'dead' || typeof m.boot !== 'string') return false;
    this.presence.stalledElsewhere(m.boot);
    return true;
  }

  /** A seat request or answer (JSON `{"t":"seat...`; cluster-seats.ts): true when it was one. */
  private seatMessage(data: Uint8Array): boolean {
    if (data.length > 1_000 || data[0] !== 0x7b /* { */ || data[2] !== 0x74 /* t */ || data[6] !== 0x73 /* s */) return false;
    let m: { t?: unknown; from?: unknown };
    try {
      m = JSON.parse(new TextDecoder().decode(data)) as { t?: unknown; from?: unknown };
    } catch {
      return true;
    }
    if (m === null || typeof m !== 'object' || m.from === this.id) return true;
    return this.seats.receive(m);
  }

  /** Meetings that span relays now, and the remote participants they hold. */
  spanning(): { meetings: number; remoteParticipants: number; windowBytes: number } {
    let meetings = 0;
    let remote = 0;
    let bytes = 0;
    for (const m of this.meetings.values()) {
      if (m.spansRelays) meetings++;
      remote += m.port.remoteCount;
      bytes += m.windowBytes;
    }
    return { meetings, remoteParticipants: remote, windowBytes: bytes };
  }

  async close(): Promise<void> {
    clearInterval(this.tailTimer);
    this.usedTokens.close();
    this.endedMeetings.close();
    this.seats.close();
    this.cdr.close();
    this.presence.close();
    await this.link.close();
  }
}
