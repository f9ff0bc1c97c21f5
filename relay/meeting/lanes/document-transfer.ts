/**
 * Document transfers of one meeting: who shares, who receives, how far each receiver has acknowledged, and the
 * credit the sharer holds. The relay keeps no byte of a document: a chunk is written to the receivers' sockets
 * as it arrives, and the credit (DOC_CREDIT allowed = min over receivers of acknowledged bytes + window) keeps
 * each receiver's unacknowledged bytes, and so what the relay may have queued for it, within one window.
 *
 * Slow receivers (the documented policy): a receiver is DROPPED FROM THE TRANSFER, never waited for forever,
 * when (a) it has unacknowledged bytes and its acknowledgement has not moved for `docStallTimeoutMs`, or (b) its
 * socket backlog would pass `docBacklogBytes` with the next chunk (it acknowledges bytes it has not read).
 * It gets DOC_CANCEL reason `too_slow`, the sharer gets DOC_CANCEL `too_slow` naming it (`participant`), and the
 * others go on at the pace of the slowest remaining receiver. A receiver that keeps acknowledging, however
 * slowly, is not dropped: it slows that transfer. A dropped receiver may ask the sharer again (DOC_RESEND).
 *
 * A transfer ends when every receiver has acknowledged the whole document (or was taken out of it); a receiver
 * that got every chunk and does not acknowledge the end within the stall timeout is taken as done (no cancel).
 *
 * Resume (protocol/README.md, "Resume"): a receiver or sharer whose connection dropped is AWAY while the relay
 * holds its place; nothing is forwarded to an away receiver and it is never dropped as too slow. When it resumes,
 * the transfer goes on from the receiver's last acknowledged byte: the relay asks the sharer (DOC_RESEND with
 * `rewind`, `offset`) to send the chunks again from there, and forwards those only to the receivers that lack
 * them. A sharer that resumes is asked the same from the first byte the relay has not received from it (what it
 * sent into the dead socket was lost), and gets its credit again. If the grace passes first, the participant
 * leaves and its transfers end as for any leave (`sharer_left`; the sharer hears `receiver_left`).
 */
import { Audience, encodeEnvelope, Kind } from '../../../protocol/index.js';
import type { LaneContext } from './lane.types.js';
import type { Member as Session } from '../delivery.types.js';
import type { ResolvedLaneOptions } from './lane-options.js';

export type CancelReason = 'sharer_cancelled' | 'receiver_cancelled' | 'too_slow' | 'sharer_left' | 'receiver_left' | 'no_receivers';

export class Receiver {
  /** Bytes acknowledged (contiguous from 0). */
  acked = 0;
  /** Bytes forwarded to it. */
  forwarded = 0;
  /** performance.now() of its last progress, or of the moment it got bytes while it had none outstanding. */
  stallSince = 0;
  /** The offset the next chunk forwarded to it must start at (behind the transfer after a rewind). */
  next = 0;
  /** Its connection dropped and the relay holds its place: nothing is forwarded to it, it is not timed out. */
  away = false;

  constructor(readonly session: Session) {}
}

export class DocumentTransfer {
  readonly receivers = new Map<Session, Receiver>();
  /** The offset the next chunk must start at. */
  nextOffset = 0;
  /** The credit granted to the sharer (bytes up to, excluding, this offset). */
  granted = 0;
  /** The lowest acknowledgement among receivers, and how many receivers are at it. */
  minAcked = 0;
  atMin = 0;
  /** The relay asked the sharer to send again from nextOffset: chunks sent before that are dropped silently. */
  rewinding = false;
  /** The sharer's connection dropped and the relay holds its place. */
  sharerAway = false;

  constructor(
    readonly id: string,
    readonly sharer: Session,
    readonly size: number,
    readonly chunkSize: number,
    readonly audience: number,
    readonly to: string,
  ) {}

  /** Rescans the receivers for the lowest acknowledgement. */
  recomputeMin(): void {
    let min = Infinity;
    let at = 0;
    for (const r of this.receivers.values()) {
      if (r.acked < min) {
        min = r.acked;
        at = 1;
      } else if (r.acked === min) at++;
    }
    this.minAcked = min === Infinity ? this.size : min;
    this.atMin = at;
  }
}

/** The transfers of one meeting, in progress and remembered (ids only) after they ended. */
export class TransferBook {
  readonly active = new Map<string, DocumentTransfer>();
  /** Ended transfers: id -> sharer participant id (for late acks, cancels and DOC_RESEND). Bounded. */
  private readonly ended = new Map<string, string>();

  constructor(private readonly meeting: LaneContext, readonly options: ResolvedLaneOptions) {}

  /** The sharer's participant id of a transfer in progress or remembered. */
  sharerOf(id: string): string | undefined {
    return this.active.get(id)?.sharer.participantId ?? this.ended.get(id);
  }

  /** True when the id was used in this meeting (in progress or remembered). */
  known(id: string): boolean {
    return this.active.has(id) || this.ended.has(id);
  }

  /** Sends one frame the relay originates on the document lane and counts it. */
  sendTo(session: Session, frame: Uint8Array): void {
    this.meeting.delivery.toOne(session, frame, 'document');
  }

  /** Grants the sharer more credit when the slowest receiver moved (or on the offer: `force`). */
  grant(t: DocumentTransfer, force: boolean): void {
    const allowed = Math.min(t.size, t.minAcked + this.options.docEffectiveWindowBytes);
    if (allowed <= t.granted && !force) return;
    t.granted = Math.max(t.granted, allowed);
    const m = this.meeting;
    this.sendTo(t.sharer, encodeEnvelope({ kind: Kind.DOC_CREDIT, seq: m.nextSeq(), docCredit: { transferId: t.id, allowed: t.granted } }));
  }

  /** A receiver acknowledged `received` bytes (already validated as progress). */
  acknowledge(t: DocumentTransfer, r: Receiver, received: number, now: number): void {
    const before = r.acked;
    r.acked = received;
    r.stallSince = now;
    if (before === t.minAcked && --t.atMin <= 0) {
      t.recomputeMin();
      this.grant(t, false);
    }
  }

  /** Ends a transfer: forgets its receivers and remembers its id. */
  finish(t: DocumentTransfer): void {
    this.active.delete(t.id);
    t.receivers.clear();
    if (this.options.rememberedTransfers === 0) return;
    if (this.ended.size >= this.options.rememberedTransfers) {
      const oldest = this.ended.keys().next();
      if (!oldest.done) this.ended.delete(oldest.value);
    }
    this.ended.set(t.id, t.sharer.participantId);
  }

  private cancelFrame(t: DocumentTransfer, reason: CancelReason, from: string, participant: string): Uint8Array {
    return encodeEnvelope({
      kind: Kind.DOC_CANCEL,
      from,
      seq: this.meeting.nextSeq(),
      ...(t.audience === Audience.ONE ? { audience: Audience.ONE, to: t.to } : {}),
      docCancel: { transferId: t.id, reason, participant },
    });
  }

  /** Cancels the whole transfer for every receiver (the sharer cancelled or left). */
  cancelAll(t: DocumentTransfer, reason: 'sharer_cancelled' | 'sharer_left'): void {
    if (t.receivers.size > 0 && !this.meeting.ended) {
      const frame = this.cancelFrame(t, reason, reason === 'sharer_cancelled' ? t.sharer.participantId : '', '');
      for (const r of t.receivers.values()) this.sendTo(r.session, frame);
    }
    this.finish(t);
  }

  /**
   * Takes one receiver out of a transfer. `tellReceiver`: send it DOC_CANCEL (dropped as too slow). The sharer is
   * told who left; when nobody is left the transfer ends with `no_receivers`, else the credit may move on.
   */
  removeReceiver(t: DocumentTransfer, r: Receiver, reason: 'receiver_cancelled' | 'receiver_left' | 'too_slow', tellReceiver: boolean): void {
    if (!t.receivers.delete(r.session)) return;
    if (this.meeting.ended) return;
    if (tellReceiver) this.sendTo(r.session, this.cancelFrame(t, reason, '', ''));
    const from = reason === 'receiver_cancelled' ? r.session.participantId : '';
    this.sendTo(t.sharer, this.cancelFrame(t, reason, from, r.session.participantId));
    if (t.receivers.size === 0) {
      // Once every chunk went out, the sharer has nothing left to stop: the transfer is simply over.
      if (t.nextOffset < t.size) this.sendTo(t.sharer, this.cancelFrame(t, 'no_receivers', '', ''));
      this.finish(t);
      return;
    }
    t.recomputeMin();
    this.grant(t, false);
  }

  /** A receiver has the whole document (it acknowledged the end, or stayed silent after it): it leaves quietly. */
  complete(t: DocumentTransfer, r: Receiver): void {
    if (!t.receivers.delete(r.session)) return;
    if (t.receivers.size === 0) {
      this.finish(t);
      return;
    }
    t.recomputeMin();
    this.grant(t, false);
  }

  /** A participant's connection dropped and its place is held: its transfers wait for it. */
  away(session: Session): void {
    for (const t of this.active.values()) {
      if (t.sharer === session) t.sharerAway = true;
      else {
        const r = t.receivers.get(session);
        if (r !== undefined) r.away = true;
      }
    }
  }

  /**
   * A participant resumed. As a receiver: it goes on from its last acknowledged byte (the sharer is asked to send
   * again from there unless it is away: it is asked when it resumes). As a sharer: it is asked to send again from
   * the first byte the relay lacks, and gets its credit again.
   */
  back(session: Session, now: number): void {
    for (const t of [...this.active.values()]) {
      if (t.sharer === session) {
        if (!t.sharerAway) continue;
        t.sharerAway = false;
        for (const r of t.receivers.values()) r.stallSince = now;
        this.askRewind(t);
        this.grant(t, true);
        continue;
      }
      const r = t.receivers.get(session);
      if (r === undefined || !r.away) continue;
      r.away = false;
      r.stallSince = now;
      if (r.next > r.acked) r.next = r.acked;
      if (r.next < t.nextOffset) {
        t.nextOffset = r.next;
        if (!t.sharerAway) this.askRewind(t);
        else t.rewinding = true;
      }
    }
  }

  /** DOC_RESEND rewind: the sharer sends this transfer's chunks again from nextOffset (no seq: never replayed). */
  private askRewind(t: DocumentTransfer): void {
    t.rewinding = true;
    this.sendTo(t.sharer, encodeEnvelope({ kind: Kind.DOC_RESEND, docResend: { transferId: t.id, offset: t.nextOffset, rewind: true } }));
  }

  /** Drops receivers whose acknowledgement has not moved for the stall timeout while they had bytes outstanding. */
  dropStalled(now: number): void {
    if (this.active.size === 0) return;
    const limit = this.options.docStallTimeoutMs;
    for (const t of [...this.active.values()]) {
      // A sharer that is away sends nothing: its receivers wait for it (the grace bounds that).
      if (t.sharerAway) continue;
      for (const r of [...t.receivers.values()]) {
        if (r.away || r.forwarded <= r.acked || now - r.stallSince <= limit || !this.active.has(t.id)) continue;
        if (r.next === t.size) this.complete(t, r);
        else this.removeReceiver(t, r, 'too_slow', true);
      }
    }
  }

  /** A participant left the meeting: its transfers end (sharer_left), it leaves the transfers it received. */
  participantLeft(session: Session): void {
    for (const t of [...this.active.values()]) {
      if (t.sharer === session) this.cancelAll(t, 'sharer_left');
      else {
        const r = t.receivers.get(session);
        if (r !== undefined) this.removeReceiver(t, r, 'receiver_left', false);
      }
    }
  }

  /** The meeting ended: every reference goes. Idempotent. */
  clear(): void {
    for (const t of this.active.values()) t.receivers.clear();
    this.active.clear();
    this.ended.clear();
  }
}
