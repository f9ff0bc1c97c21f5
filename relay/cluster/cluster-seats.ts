/**
 * Admission state that must be single per meeting (issue 13): the participant cap across relays, and the host's
 * lock and bars for relays that hold none of the meeting. See DESIGN.md ("Single state").
 *
 * Cap: a meeting's cap (`--max-participants`, the token's `pol.maxParticipants`) counts its participants on every
 * relay. A join is checked on the joining relay against the cluster roster it knows (local and remote members);
 * when the meeting is within SEAT_MARGIN seats of its cap, or this relay holds none of its members (so knows
 * nothing of it), the join asks the meeting's owner relay for a seat. The owner counts the seats from what it holds
 * as owner anyway, the meeting's CDR parts (every relay reports its sessions within 20 ms of a join or leave),
 * plus the seats it granted whose sessions it has not seen yet (held SEAT_HOLD_MS), and grants or refuses them
 * one at a time.
 *
 * Lock and bars: a relay whose local host locks, unlocks or bars tells the meeting's owner and successor (the
 * first two relays of its rendezvous order), which keep the decisions and apply them to the seat requests above:
 * so a relay that holds no member of the meeting (and so hears none of its notices) refuses a barred id or a
 * newcomer of a locked meeting. Relays holding members apply the host's notice as before.
 *
 * The owner applies those decisions in the order it receives them, numbers each change of the lock, and broadcasts
 * them on `<prefix>.ctl.rules` (`{t:'sdec',from,m,v?,lock?,bar?}`): every relay holding the meeting sets its lock
 * to the owner's latest (so two hosts acting at once on two relays end with one answer everywhere) and removes a
 * barred id's session (one that rejoined through it before the host's notice arrived); every relay keeps a copy,
 * so the successor continues the numbering when the owner dies.
 *
 * Messages are JSON of ids and numbers on `<prefix>.ctl.n.<node>`: `{t:'seat',from,q,m,p,cap,known,h}` to the
 * owner, `{t:'seated',from,q,v}` back, `{t:'srule',from,m,lock?,bar?}` to the owner and successor.
 */
import type { RelayPresence } from './relay-presence.js';
import type { CdrLedger } from './cdr-ledger.js';

/** A join of a meeting whose known roster is this many seats (or fewer) below its cap asks the owner. */
export const SEAT_MARGIN = 16;
/** How long the owner holds a seat it granted before the joining relay's report shows the session. */
export const SEAT_HOLD_MS = 3_000;
/** How long a join waits for the owner's answer before deciding on what this relay knows. */
export const SEAT_TIMEOUT_MS = 1_000;
/** Meetings whose host decisions an owner remembers (the oldest go first), and for how long. */
const MAX_RULES = 20_000;
const RULES_TTL_MS = 24 * 3_600_000;

/** The owner's answer to a seat request. */
export type SeatVerdict = 'ok' | 'full' | 'barred' | 'locked';

interface SeatRequest {
  t: 'seat';
  from: string;
  q: number;
  m: string;
  p: string;
  cap: number;
  known: number;
  /** The joining participant is a host (a locked meeting admits hosts). */
  h: boolean;
}

interface SeatAnswer {
  t: 'seated';
  from: string;
  q: number;
  v: SeatVerdict;
}

interface RuleNotice {
  t: 'srule';
  from: string;
  m: string;
  lock?: boolean;
  /** The sending relay's number of this lock action (its hosts' lock actions in the meeting, counted from 1). */
  n?: number;
  bar?: string;
}

interface Pending {
  resolve(v: SeatVerdict): void;
  timer: NodeJS.Timeout;
  fallback: SeatVerdict;
}

interface Rules {
  locked: boolean;
  /** The owner's number of the lock's last change (0: none ordered yet). */
  lockV: number;
  barred: Set<string>;
  at: number;
  /** Per origin relay: the highest of its lock actions (numbered by it) that an owner ordered, as known here. */
  decided: Map<string, number>;
  /** Per origin relay: its lock notices (HOST_CONTROL) this relay received since it holds the meeting. */
  noticed: Map<string, number>;
  /** This relay's own hosts' lock actions in the meeting (their number). */
  own: number;
}

/** The owner's decision, broadcast on `<prefix>.ctl.rules` to every relay. */
interface Decision {
  t: 'sdec';
  from: string;
  m: string;
  /** The lock's version (present with `lock`). */
  v?: number;
  lock?: boolean;
  /** The relay whose host acted, and its number of that lock action. */
  o?: string;
  n?: number;
  bar?: string;
}

const encoder = new TextEncoder();

/** The owner's book: seats granted and not yet seen in a part report, and the hosts' decisions, per meeting. */
export class SeatBook {
  /** meeting -> participant -> until (ms). */
  private readonly held = new Map<string, Map<string, number>>();
  private readonly rules = new Map<string, Rules>();

  constructor(private readonly ledger: Pick<CdrLedger, 'openParticipants'>) {}

  /**
   * The owner orders a host's decision (in the order it receives them): bars add, a lock change gets the next
   * version. `origin`/`n`: the host's relay and its number of that lock action. Returns the lock's version.
   */
  order(meetingId: string, d: { readonly lock?: boolean; readonly bar?: string }, origin: string, n: number | undefined, now: number): number {
    const r = this.rulesOf(meetingId, now);
    if (typeof d.bar === 'string' && d.bar !== '') r.barred.add(d.bar);
    if (typeof d.lock !== 'boolean') return r.lockV;
    r.locked = d.lock;
    if (typeof n === 'number' && n > (r.decided.get(origin) ?? 0)) r.decided.set(origin, n);
    return ++r.lockV;
  }

  /** A bar as the successor hears it from the host's relay (the lock it learns from the owner's broadcast). */
  addBar(meetingId: string, bar: string, now: number): void {
    if (bar !== '') this.rulesOf(meetingId, now).barred.add(bar);
  }

  /** The number of this relay's next own lock action in the meeting. */
  nextOwn(meetingId: string, now: number): number {
    return ++this.rulesOf(meetingId, now).own;
  }

  /**
   * A host's lock notice from relay `origin` reached this relay: true when an owner's decision for that very
   * action was applied here already (the notice then changes nothing: the owner's order stands).
   */
  noticeStale(meetingId: string, origin: string, now: number): boolean {
    const r = this.rulesOf(meetingId, now);
    const k = (r.noticed.get(origin) ?? 0) + 1;
    r.noticed.set(origin, k);
    return (r.decided.get(origin) ?? 0) >= k;
  }

  /**
   * This relay now holds the meeting: notices it missed before are counted as seen, and what it knows of the
   * owner's decisions is returned to be applied (the lock only when an owner ordered one).
   */
  attached(meetingId: string, now: number): { locked: boolean | undefined; barred: string[] } {
    const r = this.rulesOf(meetingId, now);
    r.noticed = new Map(r.decided);
    return { locked: r.lockV > 0 ? r.locked : undefined, barred: [...r.barred] };
  }

  /**
   * The owner's decision as broadcast: a newer lock version replaces the lock (so every relay ends with the
   * owner's order of the hosts' actions); bars only add. Returns the lock to apply now (the owner's latest as
   * known here, also when this decision is older than one applied already: a notice may have changed the lock
   * in between), undefined when the decision is about no lock.
   */
  adopt(meetingId: string, v: number | undefined, lock: boolean | undefined, bar: string | undefined, origin: string | undefined, n: number | undefined, now: number): boolean | undefined {
    const r = this.rulesOf(meetingId, now);
    if (typeof bar === 'string' && bar !== '') r.barred.add(bar);
    if (typeof lock !== 'boolean' || typeof v !== 'number') return undefined;
    if (v > r.lockV) {
      r.lockV = v;
      r.locked = lock;
    }
    if (typeof origin === 'string' && typeof n === 'number' && n > (r.decided.get(origin) ?? 0)) r.decided.set(origin, n);
    return r.locked;
  }

  private rulesOf(meetingId: string, now: number): Rules {
    let r = this.rules.get(meetingId);
    if (r === undefined) {
      r = { locked: false, lockV: 0, barred: new Set(), at: now, decided: new Map(), noticed: new Map(), own: 0 };
      this.rules.set(meetingId, r);
      for (const [m, v] of this.rules) {
        if (this.rules.size <= MAX_RULES && now - v.at < RULES_TTL_MS) break;
        this.rules.delete(m);
      }
    }
    return r;
  }

  /** One seat for `participantId` in `meetingId` under `cap`: granted (held until seen or SEAT_HOLD_MS) or why not. */
  claim(meetingId: string, participantId: string, cap: number, known: number, host: boolean, now: number): SeatVerdict {
    const seated = this.ledger.openParticipants(meetingId);
    const rules = this.rules.get(meetingId);
    if (rules?.barred.has(participantId) === true) return 'barred';
    let held = this.held.get(meetingId);
    if (held !== undefined) {
      for (const [p, until] of held) if (until <= now || seated.has(p)) held.delete(p);
    }
    // A participant already seated (a rejoin, a session replaced on another relay) takes no new seat.
    if (seated.has(participantId) || held?.has(participantId) === true) {
      held?.set(participantId, now + SEAT_HOLD_MS);
      return 'ok';
    }
    if (rules?.locked === true && !host) return 'locked';
    // The asking relay may know members this owner has not heard of yet (an owner that just came up).
    const count = Math.max(seated.size + (held?.size ?? 0), known);
    if (count >= cap) return 'full';
    if (held === undefined) this.held.set(meetingId, (held = new Map()));
    held.set(participantId, now + SEAT_HOLD_MS);
    return 'ok';
  }

  /** Drops the holds that expired (periodic; meetings with none are forgotten). */
  sweep(now: number): void {
    for (const [m, held] of this.held) {
      for (const [p, until] of held) if (until <= now) held.delete(p);
      if (held.size === 0) this.held.delete(m);
    }
  }
}

/** The joining side (asks the owner when it must) and the owner side (answers) of seats and host decisions. */
export class ClusterSeats {
  readonly book: SeatBook;
  /** Where owners broadcast their decisions (every relay subscribes). */
  readonly rulesSubject: string;
  private readonly pending = new Map<number, Pending>();
  private seq = 0;
  private readonly timer: NodeJS.Timeout;
  private closed = false;
  /** Seat requests asked of another relay, refused by an owner, and decided locally after a timeout (metrics). */
  asked = 0;
  refused = 0;
  timeouts = 0;

  constructor(
    private readonly selfId: string,
    private readonly prefix: string,
    private readonly presence: RelayPresence,
    ledger: Pick<CdrLedger, 'openParticipants'>,
    private readonly publish: (subject: string, body: Uint8Array) => void,
    /** Applies an owner's decision to this relay's meeting, if it holds it. */
    private readonly apply: (meetingId: string, locked: boolean | undefined, barred: string | undefined) => void = () => {},
  ) {
    this.book = new SeatBook(ledger);
    this.rulesSubject = `${prefix}.ctl.rules`;
    this.timer = setInterval(() => this.book.sweep(Date.now()), SEAT_HOLD_MS);
    this.timer.unref();
  }

  /**
   * Whether a join of `participantId` may take a seat. `known`: the meeting's roster on this relay (local and
   * remote members), or undefined when this relay holds none of it (then lock and bars are the owner's to say).
   * Synchronous when far from the cap, or when this relay is the owner. An owner that does not answer within
   * SEAT_TIMEOUT_MS leaves the decision to what this relay knows.
   */
  claim(meetingId: string, participantId: string, cap: number, known: number | undefined, host: boolean): SeatVerdict | Promise<SeatVerdict> {
    if (known !== undefined && known + SEAT_MARGIN < cap) return 'ok';
    const k = known ?? 0;
    const fallback: SeatVerdict = k < cap ? 'ok' : 'full';
    if (this.closed) return fallback;
    // A relay that just started may not have heard every relay yet (it could name itself owner wrongly): wait.
    if (!this.presence.settled) return this.afterSettle().then(() => this.claim(meetingId, participantId, cap, known, host));
    const owner = this.presence.ownerOf(meetingId);
    if (owner === undefined) return fallback;
    if (owner === this.selfId) return this.verdict(this.book.claim(meetingId, participantId, cap, k, host, Date.now()));
    const q = ++this.seq;
    const req: SeatRequest = { t: 'seat', from: this.selfId, q, m: meetingId, p: participantId, cap, known: k, h: host };
    this.asked++;
    return new Promise<SeatVerdict>((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(q);
        this.timeouts++;
        resolve(fallback);
      }, SEAT_TIMEOUT_MS);
      timer.unref();
      this.pending.set(q, { resolve, timer, fallback });
      this.publish(`${this.prefix}.ctl.n.${owner}`, encoder.encode(JSON.stringify(req)));
    });
  }

  /** A local host's lock, unlock or bar: to the meeting's owner and successor (applied here if it is one). */
  decided(meetingId: string, d: { readonly lock?: boolean; readonly bar?: string }): void {
    if (this.closed) return;
    const targets = this.presence.orderOf(meetingId).slice(0, 2);
    const n: RuleNotice = { t: 'srule', from: this.selfId, m: meetingId };
    if (typeof d.lock === 'boolean') {
      n.lock = d.lock;
      n.n = this.book.nextOwn(meetingId, Date.now());
    }
    if (typeof d.bar === 'string') n.bar = d.bar;
    let body: Uint8Array | null = null;
    for (const t of targets) {
      if (t === this.selfId) this.ownDecision(meetingId, d, this.selfId, n.n);
      else this.publish(`${this.prefix}.ctl.n.${t}`, (body ??= encoder.encode(JSON.stringify(n))));
    }
  }

  /** A host's lock notice from another relay reached this relay's meeting: true when it must change nothing. */
  noticeStale(meetingId: string, origin: string): boolean {
    return this.book.noticeStale(meetingId, origin, Date.now());
  }

  /** This relay now holds members of the meeting (its delivery attached): the owner's decisions known here. */
  attached(meetingId: string): { locked: boolean | undefined; barred: string[] } {
    return this.book.attached(meetingId, Date.now());
  }

  /**
   * A host's decision reached this relay as owner or successor: the owner orders it and tells every relay; the
   * successor keeps the bar (the lock comes to it in the owner's broadcast, with its version).
   */
  private ownDecision(meetingId: string, d: { readonly lock?: boolean; readonly bar?: string }, origin: string, n: number | undefined): void {
    const now = Date.now();
    if (!this.presence.settled || this.presence.ownerOf(meetingId) !== this.selfId) {
      if (typeof d.bar === 'string') this.book.addBar(meetingId, d.bar, now);
      return;
    }
    const v = this.book.order(meetingId, d, origin, n, now);
    const dec: Decision = { t: 'sdec', from: this.selfId, m: meetingId };
    if (typeof d.lock === 'boolean') {
      dec.v = v;
      dec.lock = d.lock;
      dec.o = origin;
      if (typeof n === 'number') dec.n = n;
    }
    if (typeof d.bar === 'string') dec.bar = d.bar;
    this.publish(this.rulesSubject, encoder.encode(JSON.stringify(dec)));
    this.apply(meetingId, dec.lock, dec.bar);
  }

  private verdict(v: SeatVerdict): SeatVerdict {
    if (v !== 'ok') this.refused++;
    return v;
  }

  /** Resolves once the presence has settled (at most 1.5 heartbeats after the start), or at close. */
  private afterSettle(): Promise<void> {
    return new Promise((resolve) => {
      const check = (): void => {
        if (this.closed || this.presence.settled) resolve();
        else setTimeout(check, 20).unref();
      };
      check();
    });
  }

  /** A seat message on this relay's control subject (parsed JSON); false when it was none. */
  receive(msg: { t?: unknown; from?: unknown }): boolean {
    if (msg.t === 'seat') {
      const r = msg as Partial<SeatRequest>;
      if (typeof r.from !== 'string' || typeof r.q !== 'number' || typeof r.m !== 'string' || typeof r.p !== 'string' || typeof r.cap !== 'number') return true;
      const v = this.verdict(this.book.claim(r.m, r.p, r.cap, typeof r.known === 'number' ? r.known : 0, r.h === true, Date.now()));
      const a: SeatAnswer = { t: 'seated', from: this.selfId, q: r.q, v };
      this.publish(`${this.prefix}.ctl.n.${r.from}`, encoder.encode(JSON.stringify(a)));
      return true;
    }
    if (msg.t === 'seated') {
      const a = msg as Partial<SeatAnswer>;
      if (typeof a.q !== 'number') return true;
      const p = this.pending.get(a.q);
      if (p === undefined) return true;
      this.pending.delete(a.q);
      clearTimeout(p.timer);
      p.resolve(a.v === 'ok' || a.v === 'full' || a.v === 'barred' || a.v === 'locked' ? a.v : p.fallback);
      return true;
    }
    if (msg.t === 'srule') {
      const n = msg as Partial<RuleNotice>;
      if (typeof n.m !== 'string') return true;
      if (typeof n.from !== 'string') return true;
      this.ownDecision(n.m, { ...(typeof n.lock === 'boolean' ? { lock: n.lock } : {}), ...(typeof n.bar === 'string' ? { bar: n.bar } : {}) }, n.from, typeof n.n === 'number' ? n.n : undefined);
      return true;
    }
    if (msg.t === 'sdec') {
      const d = msg as Partial<Decision>;
      if (typeof d.m !== 'string') return true;
      const bar = typeof d.bar === 'string' && d.bar !== '' ? d.bar : undefined;
      const lock = this.book.adopt(d.m, d.v, d.lock, bar, typeof d.o === 'string' ? d.o : undefined, typeof d.n === 'number' ? d.n : undefined, Date.now());
      if (lock !== undefined || bar !== undefined) this.apply(d.m, lock, bar);
      return true;
    }
    return false;
  }

  /** Answers what is still waiting with its local decision; idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.resolve(p.fallback);
    }
    this.pending.clear();
  }
}
