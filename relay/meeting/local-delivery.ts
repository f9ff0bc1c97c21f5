/**
 * Delivery on this relay: native transport pub/sub. A meeting has a topic every present participant subscribes
 * to, a hosts topic, and a topic per track. "Everyone but the sender" is the transport's connection publish
 * (uWS skips the publishing socket), used only here; the lanes just name whom a frame is for. Receiver counts
 * are kept here (no native subscriber count per frame), and every delivery is counted on the named lane.
 */
import type { Connection, Transport } from '../transport/transport.types.js';
import type { LaneName } from '../../protocol/kind-lanes.js';
import type { LaneStats } from './meeting.types.js';
import type { MeetingDelivery, Member, TrackRoute } from './delivery.types.js';
import type { Session } from './session.js';

/** Numbers topics (unique in the process, short: uWS hashes and copies the topic name on every publish). */
let topicCounter = 0;

export class LocalTrackRoute implements TrackRoute {
  receivers = 0;
  /** Other relays holding subscribers (cluster mode keeps it; 0 on a single relay). */
  elsewhere = 0;
  /** Local subscribers: to unsubscribe them when the track goes. */
  readonly members = new Set<Member>();
  /** Subscribers not subscribed to the meeting topic now (away during a resume grace, or not joined). */
  foreign = 0;
  /** The counters of the lane this track's frames count on, looked up at its first frame (no keyed load per frame). */
  stats: LaneStats | null = null;
  constructor(readonly topic: string) {}
}

function connOf(member: Member): Connection<Session> | null {
  return (member as Partial<Session>).conn ?? null;
}

/** True when `member` is a session this delivery subscribed (joined and not left). */
function isMember(d: LocalDelivery, member: Member): boolean {
  return (member as Partial<Session>).deliveryMark === d;
}

export class LocalDelivery implements MeetingDelivery {
  /** Topic every present participant is subscribed to; hosts also to hostsTopic. */
  readonly topic: string;
  readonly hostsTopic: string;
  /**
   * Members present on this relay (subscribed to the topic) are the sessions whose deliveryMark is this delivery
   * (isMember: one field per session, not a set entry); hostSet holds the hosts among them.
   */
  private readonly hostSet = new Set<Member>();
  private present = 0;
  private hosts = 0;
  private trackCounter = 0;
  /** Open track routes (to keep their `foreign` counts as members join and leave). */
  private readonly routes = new Set<LocalTrackRoute>();

  constructor(private readonly transport: Transport, private readonly stats: Record<LaneName, LaneStats>) {
    this.topic = `m${(++topicCounter).toString(36)}`;
    this.hostsTopic = `${this.topic}h`;
  }

  private count(lane: LaneName | null, receivers: number, bytes: number): void {
    if (lane === null || receivers <= 0) return;
    const s = this.stats[lane];
    s.framesOut += receivers;
    s.bytesOut += receivers * bytes;
  }

  /** Publishes on a topic, skipping `except` when it is a subscribed local connection. */
  private publish(topic: string, frame: Uint8Array, except: Member | null): void {
    const conn = except === null || !isMember(this, except) ? null : connOf(except);
    if (conn !== null) conn.publish(topic, frame);
    else this.transport.publish(topic, frame);
  }

  toEveryone(frame: Uint8Array, lane: LaneName | null, except: Member | null): number {
    this.publish(this.topic, frame, except);
    const receivers = except !== null && isMember(this, except) ? this.present - 1 : this.present;
    this.count(lane, receivers, frame.length);
    return receivers;
  }

  toRelays(_frame: Uint8Array, _lane: LaneName | null): number {
    return 0;
  }

  toLocal(frame: Uint8Array, lane: LaneName | null): number {
    this.transport.publish(this.topic, frame);
    this.count(lane, this.present, frame.length);
    return this.present;
  }

  /** Local subscribers of a route (cluster mode sends remote frames to them). */
  routeMembers(route: TrackRoute): ReadonlySet<Member> {
    return (route as LocalTrackRoute).members;
  }

  toHosts(frame: Uint8Array, lane: LaneName | null, except: Member | null): number {
    const skip = except !== null && this.hostSet.has(except);
    this.publish(this.hostsTopic, frame, skip ? except : null);
    const receivers = skip ? this.hosts - 1 : this.hosts;
    this.count(lane, receivers, frame.length);
    return receivers;
  }

  toOne(member: Member, frame: Uint8Array, lane: LaneName | null): boolean {
    const conn = connOf(member);
    if (conn === null || !conn.send(frame)) return false;
    this.count(lane, 1, frame.length);
    return true;
  }

  toMembers(members: readonly Member[], frame: Uint8Array, lane: LaneName | null): number {
    let n = 0;
    for (const m of members) if (this.toOne(m, frame, lane)) n++;
    return n;
  }

  toTrack(route: TrackRoute, frame: Uint8Array, lane: LaneName, except: Member | null): number {
    // The media hot path: the publisher is never subscribed to its own track, so its socket may publish as is.
    const r = route as LocalTrackRoute;
    const conn = except === null ? null : connOf(except);
    // Everyone here (but the publisher) subscribes to the track, the usual conference: the meeting topic reaches
    // exactly the same sockets, and a socket that gets all its frames on one topic is cheaper for uWS to drain
    // than one that gets them on a topic per track (measured in the conference bench).
    const topic = r.foreign === 0 && r.receivers === (conn !== null && isMember(this, except!) ? this.present - 1 : except === null ? this.present : -1) ? this.topic : r.topic;
    if (conn !== null) conn.publish(topic, frame);
    else this.transport.publish(topic, frame);
    const receivers = r.receivers;
    if (receivers > 0) {
      const s = r.stats ?? (r.stats = this.stats[lane]);
      s.framesOut += receivers;
      s.bytesOut += receivers * frame.length;
    }
    return receivers;
  }

  toTrackElsewhere(): void {}

  backlog(member: Member): number {
    const conn = connOf(member);
    return conn === null ? 0 : conn.bufferedAmount();
  }

  openTrack(_publisher: Member, _trackId: number): TrackRoute {
    const route = new LocalTrackRoute(`${this.topic}t${(++this.trackCounter).toString(36)}`);
    this.routes.add(route);
    return route;
  }

  subscribeTrack(member: Member, route: TrackRoute): void {
    const r = route as LocalTrackRoute;
    const conn = connOf(member);
    if (conn === null || r.members.has(member)) return;
    r.members.add(member);
    r.receivers++;
    if (!isMember(this, member)) r.foreign++;
    conn.subscribe(r.topic);
  }

  unsubscribeTrack(member: Member, route: TrackRoute): void {
    const r = route as LocalTrackRoute;
    if (!r.members.delete(member)) return;
    r.receivers--;
    if (!isMember(this, member)) r.foreign--;
    connOf(member)?.unsubscribe(r.topic);
  }

  closeTrack(route: TrackRoute): void {
    const r = route as LocalTrackRoute;
    for (const m of r.members) connOf(m)?.unsubscribe(r.topic);
    r.members.clear();
    r.receivers = 0;
    r.foreign = 0;
    this.routes.delete(r);
  }

  joined(member: Member): void {
    const conn = connOf(member);
    if (conn === null || isMember(this, member)) return;
    (member as Session).deliveryMark = this;
    this.present++;
    for (const r of this.routes) if (r.members.has(member)) r.foreign--;
    conn.subscribe(this.topic);
    if (member.role === 'host') {
      this.hostSet.add(member);
      this.hosts++;
      conn.subscribe(this.hostsTopic);
    }
  }

  left(member: Member): void {
    if (!isMember(this, member)) return;
    (member as Session).deliveryMark = null;
    for (const r of this.routes) if (r.members.has(member)) r.foreign++;
    const conn = connOf(member);
    this.present--;
    conn?.unsubscribe(this.topic);
    if (this.hostSet.delete(member)) {
      this.hosts--;
      conn?.unsubscribe(this.hostsTopic);
    }
  }

  /** Members subscribed here now. */
  get size(): number {
    return this.present;
  }

  /** True when the member is subscribed to the hosts topic here. */
  isHost(member: Member): boolean {
    return this.hostSet.has(member);
  }

  roleChanged(member: Member): void {
    const conn = connOf(member);
    if (conn === null || !isMember(this, member)) return;
    if (member.role === 'host' && !this.hostSet.has(member)) {
      this.hostSet.add(member);
      this.hosts++;
      conn.subscribe(this.hostsTopic);
    } else if (member.role !== 'host' && this.hostSet.delete(member)) {
      this.hosts--;
      conn.unsubscribe(this.hostsTopic);
    }
  }
}
