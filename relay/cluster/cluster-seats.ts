/**
 * The participant cap across the cluster (issue 13, single state). A meeting's cap (`--max-participants`, the
 * token's `pol.maxParticipants`) counts its participants on every relay. A join is checked on the joining relay
 * against the cluster roster it knows (local and remote members); when the meeting is within SEAT_MARGIN seats of
 * its cap (or this relay holds none of its members, so knows nothing), the join asks the meeting's owner relay for
 * a seat. The owner counts the seats from what it holds as owner anyway, the meeting's CDR parts (every relay
 * reports its sessions within 20 ms of a join or leave), plus the seats it granted whose sessions it has not
 * seen yet, and grants or refuses in one order. See DESIGN.md ("Single state").
 *
 * Messages are JSON of ids and numbers on `<prefix>.ctl.n.<node>`: `{t:'seat',from,q,m,p,cap,known}` to the owner,
 * `{t:'seated',from,q,ok}` back.
 */
import type { RelayPresence } from './relay-presence.js';
import type { CdrLedger } from './cdr-ledger.js';

/** A join of a meeting whose known roster is this many seats (or fewer) below its cap asks the owner. */
export const SEAT_MARGIN = 16;
/** How long the owner holds a seat it granted before the joining relay's report shows the session. */
export const SEAT_HOLD_MS = 3_000;
/** How long a join waits for the owner's answer before deciding on the roster this relay knows. */
export const SEAT_TIMEOUT_MS = 1_000;

interface SeatRequest {
  t: 'seat';
  from: string;
  q: number;
  m: string;
  p: string;
  cap: number;
  known: number;
}

interface SeatAnswer {
  t: 'seated';
  from: string;
  q: number;
  ok: boolean;
}

interface Pending {
  resolve(ok: boolean): void;
  timer: NodeJS.Timeout;
  fallback: boolean;
}

const encoder = new TextEncoder();

/** The owner's seats granted and not yet seen in a part report: meeting -> participant -> until (ms). */
export class SeatBook {
  private readonly held = new Map<string, Map<string, number>>();

  constructor(private readonly ledger: Pick<CdrLedger, 'openParticipants'>) {}

  /** One seat for `participantId` in `meetingId` under `cap`: granted (held until seen or SEAT_HOLD_MS) or not. */
  claim(meetingId: string, participantId: string, cap: number, known: number, now: number): boolean {
    const seated = this.ledger.openParticipants(meetingId);
    let held = this.held.get(meetingId);
    if (held !== undefined) {
      for (const [p, until] of held) if (until <= now || seated.has(p)) held.delete(p);
    }
    // A participant already seated (a rejoin, a session replaced on another relay) takes no new seat.
    if (seated.has(participantId) || held?.has(participantId) === true) {
      held?.set(participantId, now + SEAT_HOLD_MS);
      return true;
    }
    // The asking relay may know members this owner has not heard of yet (an owner that just came up).
    const count = Math.max(seated.size + (held?.size ?? 0), known);
    if (count >= cap) return false;
    if (held === undefined) this.held.set(meetingId, (held = new Map()));
    held.set(participantId, now + SEAT_HOLD_MS);
    return true;
  }

  /** Drops the holds that expired (periodic; meetings with none are forgotten). */
  sweep(now: number): void {
    for (const [m, held] of this.held) {
      for (const [p, until] of held) if (until <= now) held.delete(p);
      if (held.size === 0) this.held.delete(m);
    }
  }

  clear(): void {
    this.held.clear();
  }
}

/** The joining side: asks the owner for a seat when the meeting is near its cap, and answers as owner. */
export class ClusterSeats {
  readonly book: SeatBook;
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
  ) {
    this.book = new SeatBook(ledger);
    this.timer = setInterval(() => this.book.sweep(Date.now()), SEAT_HOLD_MS);
    this.timer.unref();
  }

  /**
   * Whether a join of `participantId` fits the meeting's cap. `known`: the meeting's roster on this relay (local
   * and remote members), or undefined when this relay holds none of it. Synchronous when far from the cap or
   * when this relay is the owner.
   */
  claim(meetingId: string, participantId: string, cap: number, known: number | undefined): boolean | Promise<boolean> {
    if (known !== undefined && known + SEAT_MARGIN < cap) return true;
    const k = known ?? 0;
    const fallback = k < cap;
    if (this.closed) return fallback;
    // A relay that just started may not have heard every relay yet (it could name itself owner wrongly): wait.
    if (!this.presence.settled) return this.afterSettle().then(() => this.claim(meetingId, participantId, cap, known));
    const owner = this.presence.ownerOf(meetingId);
    if (owner === undefined) return fallback;
    if (owner === this.selfId) {
      const ok = this.book.claim(meetingId, participantId, cap, k, Date.now());
      if (!ok) this.refused++;
      return ok;
    }
    const q = ++this.seq;
    const req: SeatRequest = { t: 'seat', from: this.selfId, q, m: meetingId, p: participantId, cap, known: k };
    this.asked++;
    return new Promise<boolean>((resolve) => {
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
      const ok = this.book.claim(r.m, r.p, r.cap, typeof r.known === 'number' ? r.known : 0, Date.now());
      if (!ok) this.refused++;
      const a: SeatAnswer = { t: 'seated', from: this.selfId, q: r.q, ok };
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
      if (a.ok !== true) this.refused++;
      p.resolve(a.ok === true);
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
