/**
 * Document lane (reliable, flow-controlled). See document-transfer.ts for the credit scheme and the slow
 * receiver policy.
 *
 * - DOC_OFFER (`document` capability; audience EVERYONE, HOSTS or ONE with `to`): creates a transfer whose
 *   receivers are the participants present now (or the one target); forwarded to them; the sharer gets its first
 *   DOC_CREDIT. An offer nobody could receive is refused with RELAY_ERR_UNKNOWN_TARGET.
 * - DOC_CHUNK (the transfer's sharer): must start where the previous one ended, stay within the offered size and
 *   chunk size, and end within the credit (else RELAY_ERR_WINDOW_EXCEEDED). Forwarded, payload untouched, to the
 *   transfer's receivers only. The chunk marked `last` (it must end at the size) ends the transfer.
 * - DOC_ACK (a receiver): bytes received so far; moves the credit. Acks for transfers that ended, or from a
 *   receiver that was dropped, are ignored.
 * - DOC_CANCEL: by the sharer, the transfer ends for everyone (sharer_cancelled); by a receiver, it leaves the
 *   transfer (receiver_cancelled) and the sharer is told. The relay sets the reason; a client's text is not kept.
 * - DOC_RESEND (anyone, typically a late joiner): forwarded to the transfer's sharer, who may offer again; the
 *   relay has no copy to give.
 */
import { Audience, encodeEnvelope, Kind, type Envelope } from '../../../protocol/index.js';
import { encodePayloadFrame, releasePayloadFrame } from '../../../protocol/payload-frame.js';
import type { Member as Session } from '../delivery.types.js';
import { CAP_DOCUMENT, hasCapability } from '../permissions.js';
import { refuse as refuseVia } from './refuse.js';
import { isLaneId } from './lane-ids.js';
import { DocumentTransfer, Receiver, TransferBook } from './document-transfer.js';
import type { LaneContext, LaneHandler } from './lane.types.js';
import type { ResolvedLaneOptions } from './lane-options.js';

type Meeting = LaneContext;

function refuse(meeting: Meeting, session: Session, code: Parameters<typeof refuseVia>[2], ref: number): void {
  refuseVia(meeting.delivery, session, code, ref);
}

const SHA256_BYTES = 32;

function offer(meeting: Meeting, book: TransferBook, session: Session, env: Envelope): void {
  if (!hasCapability(session.capabilities, CAP_DOCUMENT)) return refuse(meeting, session, 'RELAY_ERR_NOT_PERMITTED', env.ref);
  const o = book.options;
  const body = env.docOffer;
  const id = body?.transferId;
  const size = body?.size ?? 0;
  const chunkSize = body?.chunkSize ?? 0;
  const sha256 = body?.sha256;
  if (
    !isLaneId(id) ||
    !Number.isSafeInteger(size) ||
    size < 0 ||
    sha256 == null ||
    sha256.length !== SHA256_BYTES ||
    !Number.isInteger(chunkSize) ||
    chunkSize < 1 ||
    chunkSize > o.docMaxChunkBytes ||
    book.known(id) ||
    book.active.size >= o.maxTransfersPerMeeting
  ) {
    return refuse(meeting, session, 'RELAY_ERR_BAD_REQUEST', env.ref);
  }
  const receivers: Session[] = [];
  const audience = env.audience === Audience.ONE ? Audience.ONE : env.audience === Audience.HOSTS ? Audience.HOSTS : Audience.EVERYONE;
  if (audience === Audience.ONE) {
    const target = meeting.roster.get(env.to);
    if (target !== undefined && target !== session) receivers.push(target);
  } else {
    for (const s of meeting.roster.members()) if (s !== session && (audience === Audience.EVERYONE || s.role === 'host')) receivers.push(s);
  }
  if (receivers.length === 0) return refuse(meeting, session, 'RELAY_ERR_UNKNOWN_TARGET', env.ref);
  const t = new DocumentTransfer(id, session, size, chunkSize, audience, audience === Audience.ONE ? env.to : '');
  const now = performance.now();
  for (const s of receivers) {
    const r = new Receiver(s);
    r.stallSince = now;
    t.receivers.set(s, r);
  }
  t.atMin = receivers.length;
  book.active.set(t.id, t);
  meeting.activity.documentsOffered++;
  meeting.markFeature('documents');
  // The document info (its name) is copied once, into the relay's own scratch, and wiped once sent (SECURITY.md).
  const frame = encodePayloadFrame(
    { kind: Kind.DOC_OFFER, from: session.participantId, seq: meeting.nextSeq(), audience, to: t.to, docOffer: { transferId: t.id, size: t.size, sha256, chunkSize: t.chunkSize } },
    env.payload,
  );
  meeting.delivery.toMembers(receivers, frame, 'document');
  releasePayloadFrame(frame); // every delivery copies what it sends: the relay keeps no copy of content
  book.grant(t, true);
}

function chunk(meeting: Meeting, book: TransferBook, session: Session, env: Envelope): void {
  const body = env.docChunk;
  const t = book.active.get(body?.transferId ?? '');
  if (t === undefined) return refuse(meeting, session, 'RELAY_ERR_UNKNOWN_TRANSFER', env.ref);
  if (t.sharer !== session) return refuse(meeting, session, 'RELAY_ERR_NOT_PERMITTED', env.ref);
  const payload = env.payload;
  const length = payload.length;
  const offset = body!.offset ?? 0;
  const end = offset + length;
  const last = body!.last === true;
  // After a rewind (resume), chunks the sharer sent before it read DOC_RESEND are dropped, not refused.
  if (offset !== t.nextOffset && t.rewinding) return;
  if (offset !== t.nextOffset || length > t.chunkSize || (length === 0 && t.size !== 0) || end > t.size || last !== (end === t.size)) {
    return refuse(meeting, session, 'RELAY_ERR_BAD_REQUEST', env.ref);
  }
  if (end > t.granted) return refuse(meeting, session, 'RELAY_ERR_WINDOW_EXCEEDED', env.ref);
  t.rewinding = false;
  t.nextOffset = end;
  meeting.activity.documentBytes = (meeting.activity.documentBytes ?? 0) + length;
  // Copied once into the relay's own scratch (not protobufjs' pooled writer buffers), wiped below once sent.
  const frame = encodePayloadFrame(
    { kind: Kind.DOC_CHUNK, from: session.participantId, seq: meeting.nextSeq(), audience: t.audience, to: t.to, docChunk: { transferId: t.id, offset, last } },
    payload,
  );
  const bound = book.options.docBacklogBytes;
  const now = performance.now();
  let slow: Receiver[] | null = null;
  const targets: Session[] = [];
  for (const r of t.receivers.values()) {
    // Away (its place held): it gets these again when it resumes. Ahead: a rewind for another receiver resends
    // what this one has.
    if (r.away || r.next !== offset) continue;
    if (meeting.delivery.backlog(r.session) + frame.length > bound) {
      (slow ??= []).push(r);
      continue;
    }
    if (r.forwarded <= r.acked) r.stallSince = now;
    r.next = end;
    if (end > r.forwarded) r.forwarded = end;
    targets.push(r.session);
  }
  // One delivery call: in a cluster, the chunk crosses to each other relay once, whatever its receivers there.
  if (targets.length > 0) meeting.delivery.toMembers(targets, frame, 'document');
  releasePayloadFrame(frame); // every delivery copies what it sends: the relay keeps no copy of content
  if (slow !== null) for (const r of slow) if (book.active.has(t.id)) book.removeReceiver(t, r, 'too_slow', true);
  // The transfer ends when every receiver has acknowledged the end (ack below), or was taken out of it.
  if (last && book.active.has(t.id) && t.receivers.size === 0) book.finish(t);
}

function ack(meeting: Meeting, book: TransferBook, session: Session, env: Envelope): void {
  const body = env.docAck;
  const id = body?.transferId ?? '';
  const t = book.active.get(id);
  if (t === undefined) {
    if (!book.known(id)) refuse(meeting, session, 'RELAY_ERR_UNKNOWN_TRANSFER', env.ref);
    return;
  }
  const r = t.receivers.get(session);
  if (r === undefined) return;
  const received = body!.received ?? 0;
  if (!Number.isSafeInteger(received) || received > r.forwarded) return refuse(meeting, session, 'RELAY_ERR_BAD_REQUEST', env.ref);
  if (received <= r.acked) return;
  book.acknowledge(t, r, received, performance.now());
  if (received === t.size && book.active.has(t.id)) book.complete(t, r);
}

function cancel(meeting: Meeting, book: TransferBook, session: Session, env: Envelope): void {
  const id = env.docCancel?.transferId ?? '';
  const t = book.active.get(id);
  if (t === undefined) {
    if (!book.known(id)) refuse(meeting, session, 'RELAY_ERR_UNKNOWN_TRANSFER', env.ref);
    return;
  }
  if (t.sharer === session) return book.cancelAll(t, 'sharer_cancelled');
  const r = t.receivers.get(session);
  if (r !== undefined) book.removeReceiver(t, r, 'receiver_cancelled', false);
}

function resend(meeting: Meeting, book: TransferBook, session: Session, env: Envelope): void {
  const id = env.docResend?.transferId ?? '';
  const sharerId = book.sharerOf(id);
  if (sharerId === undefined) return refuse(meeting, session, 'RELAY_ERR_UNKNOWN_TRANSFER', env.ref);
  const sharer = meeting.roster.get(sharerId);
  if (sharer === undefined || sharer === session) return refuse(meeting, session, 'RELAY_ERR_UNKNOWN_TARGET', env.ref);
  book.sendTo(sharer, encodeEnvelope({ kind: Kind.DOC_RESEND, from: session.participantId, seq: meeting.nextSeq(), audience: Audience.ONE, to: sharerId, docResend: { transferId: id } }));
}

function handleDocumentFrame(meeting: Meeting, book: TransferBook, session: Session, env: Envelope, size: number): void {
  const stats = meeting.stats.document;
  stats.framesIn++;
  stats.bytesIn += size;
  switch (env.kind) {
    case Kind.DOC_CHUNK:
      return chunk(meeting, book, session, env);
    case Kind.DOC_ACK:
      return ack(meeting, book, session, env);
    case Kind.DOC_OFFER:
      return offer(meeting, book, session, env);
    case Kind.DOC_CANCEL:
      return cancel(meeting, book, session, env);
    case Kind.DOC_RESEND:
      return resend(meeting, book, session, env);
    default:
      return refuse(meeting, session, 'RELAY_ERR_UNKNOWN_KIND', env.ref);
  }
}

/** The document lane: the meeting's transfers and the frames that move them. */
export class DocumentLane implements LaneHandler {
  readonly kinds = [Kind.DOC_OFFER, Kind.DOC_CHUNK, Kind.DOC_ACK, Kind.DOC_CANCEL, Kind.DOC_RESEND] as const;
  readonly documents: TransferBook;

  constructor(private readonly ctx: LaneContext, options: ResolvedLaneOptions) {
    this.documents = new TransferBook(ctx, options);
  }

  handle(sender: Session, env: Envelope, size: number): void {
    handleDocumentFrame(this.ctx, this.documents, sender, env, size);
  }

  participantLeft(member: Session): void {
    this.documents.participantLeft(member);
  }

  participantAway(member: Session): void {
    this.documents.away(member);
  }

  participantBack(member: Session): void {
    this.documents.back(member, performance.now());
  }

  memberChanged(): void {}

  tick(now: number): void {
    this.documents.dropStalled(now);
  }

  close(): void {
    this.documents.clear();
  }
}
