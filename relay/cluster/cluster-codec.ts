/**
 * The relays' own messages over NATS: a small binary header the relays route on, then the body. The body is
 * either a client frame exactly as the origin relay encoded it for its own participants (forwarded untouched,
 * never decoded except for the control kinds whose state every relay mirrors) or, for the few cluster control
 * messages (hello, state, interest, retransmit), a JSON object of ids and numbers, never content.
 *
 * header: type u8 | lane u8 (index in LANES, 255 none) | flags u8 | seq u32 | origin (u8 length + UTF-8)
 *         | id (u16 length + UTF-8: the target of ONE, the sender of FORWARD, the publisher of MEDIA) | body
 */
import { copyPadded, seqPadding } from './restamp-seq.js';
import { LANES, type LaneName } from '../../protocol/kind-lanes.js';

export const MsgType = {
  /** A frame for everyone (subject .all). */
  ALL: 1,
  /** A frame for the hosts (subject .hosts). */
  HOSTS: 2,
  /** A frame for one participant, to its relay (subject .n.<node>). */
  ONE: 3,
  /** A media frame of one track (subject .t.<publisher>.<track>), unsequenced. */
  MEDIA: 4,
  /** A client frame for the relay that owns the state it acts on (poll answers, document acks). */
  FORWARD: 5,
  /** A relay took its first member of the meeting: the others answer with STATE. */
  HELLO: 6,
  /** A relay's members, tracks, lock and bars, to a relay that said HELLO. */
  STATE: 7,
  /** A relay's subscribers of a track went from 0 to some or back (to the publisher's relay). */
  INTEREST: 8,
  /** A receiving relay missed messages: resend seq from..to of a stream (to the origin). */
  NACK: 9,
  /** The origin no longer holds (some of) the messages a NACK asked for. */
  LOST: 10,
  /** A resent message: body = the original message. */
  REPLAY: 11,
  /** A relay holds no member of the meeting any more. */
  BYE: 12,
  /** The last sequence numbers an origin sent (periodic, unsequenced): a lost tail is noticed too. */
  TAIL: 13,
  /**
   * Several MEDIA messages of one meeting for one relay (subject .n.<node>), unsequenced: the media frames of one
   * event-loop turn that this relay is interested in, one NATS message instead of one per frame. Body: repeated
   * (u32 length | MEDIA message, its id the track's subject suffix `<publisher token>.<track>`).
   */
  MEDIA_BATCH: 14,
} as const;

export const FLAG_KEYFRAME = 1;

/** Reliable streams of an origin: its .all messages, its .hosts messages, its messages to one relay. */
export const Stream = { ALL: 0, HOSTS: 1, DIRECT: 2 } as const;

export function streamOf(type: number): number {
  if (type === MsgType.ALL || type === MsgType.HELLO || type === MsgType.BYE) return Stream.ALL;
  if (type === MsgType.HOSTS) return Stream.HOSTS;
  if (type === MsgType.MEDIA || type === MsgType.MEDIA_BATCH || type === MsgType.NACK || type === MsgType.LOST || type === MsgType.REPLAY || type === MsgType.TAIL) return -1;
  return Stream.DIRECT;
}

const utf8 = new TextEncoder();
const text = new TextDecoder();
const LANE_INDEX = new Map<LaneName, number>(LANES.map((l, i) => [l, i]));

export interface ClusterMessage {
  type: number;
  lane: LaneName | null;
  flags: number;
  seq: number;
  origin: string;
  id: string;
  /** A view into the received bytes. */
  body: Uint8Array;
}

/** Messages whose body is a frame for participants: its seq varint travels padded (restamp-seq.ts). */
function carriesFrame(type: number): boolean {
  return type === MsgType.ALL || type === MsgType.HOSTS || type === MsgType.ONE || type === MsgType.MEDIA;
}

/**
 * Encodes a message into a fresh buffer (NATS keeps a reference until it flushes). A frame for participants is
 * copied with its seq varint padded to SEQ_WIDTH bytes, so that each receiving relay gives it its own seq in place.
 */
export function encodeMessage(type: number, lane: LaneName | null, flags: number, seq: number, origin: Uint8Array, id: Uint8Array, body: Uint8Array): Uint8Array {
  const pad = carriesFrame(type) ? seqPadding(body) : 0;
  const out = new Uint8Array(10 + origin.length + id.length + body.length + pad);
  out[0] = type;
  out[1] = lane === null ? 255 : LANE_INDEX.get(lane)!;
  out[2] = flags;
  out[3] = (seq >>> 24) & 0xff;
  out[4] = (seq >>> 16) & 0xff;
  out[5] = (seq >>> 8) & 0xff;
  out[6] = seq & 0xff;
  out[7] = origin.length;
  out.set(origin, 8);
  let pos = 8 + origin.length;
  out[pos++] = id.length >>> 8;
  out[pos++] = id.length & 0xff;
  out.set(id, pos);
  copyPadded(body, out, pos + id.length, pad);
  return out;
}

/** Sets the sequence number of an encoded message (assigned when it is published). */
export function setSeq(msg: Uint8Array, seq: number): void {
  msg[3] = (seq >>> 24) & 0xff;
  msg[4] = (seq >>> 16) & 0xff;
  msg[5] = (seq >>> 8) & 0xff;
  msg[6] = seq & 0xff;
}

export function decodeMessage(data: Uint8Array): ClusterMessage | null {
  if (data.length < 10) return null;
  const originLen = data[7]!;
  let pos = 8 + originLen;
  if (pos + 2 > data.length) return null;
  const idLen = (data[pos]! << 8) | data[pos + 1]!;
  pos += 2;
  if (pos + idLen > data.length) return null;
  const laneIndex = data[1]!;
  return {
    type: data[0]!,
    lane: laneIndex === 255 ? null : (LANES[laneIndex] ?? null),
    flags: data[2]!,
    seq: ((data[3]! << 24) >>> 0) + (data[4]! << 16) + (data[5]! << 8) + data[6]!,
    origin: text.decode(data.subarray(8, 8 + originLen)),
    id: idLen === 0 ? '' : text.decode(data.subarray(pos, pos + idLen)),
    body: data.subarray(pos + idLen),
  };
}

/** The header a MEDIA_BATCH message starts with (type, origin, no id), before its entries. */
export function mediaBatchHeaderLength(origin: Uint8Array): number {
  return 10 + origin.length;
}

/**
 * Writes a MEDIA_BATCH message of `entries` (encoded MEDIA messages) into a fresh buffer of `size` bytes
 * (mediaBatchHeaderLength + 4 + length of each entry).
 */
export function encodeMediaBatch(origin: Uint8Array, entries: readonly Uint8Array[], size: number): Uint8Array {
  const out = new Uint8Array(size);
  out[0] = MsgType.MEDIA_BATCH;
  out[1] = 255;
  out[7] = origin.length;
  out.set(origin, 8);
  let pos = 10 + origin.length;
  for (const e of entries) {
    const n = e.length;
    out[pos] = n >>> 24;
    out[pos + 1] = (n >>> 16) & 0xff;
    out[pos + 2] = (n >>> 8) & 0xff;
    out[pos + 3] = n & 0xff;
    out.set(e, pos + 4);
    pos += 4 + n;
  }
  return out;
}

/**
 * The next entry of a MEDIA_BATCH body at `pos`: sets `entry` to a view of it and returns the position after it,
 * or -1 at the end (or on a truncated entry).
 */
export function nextMediaEntry(body: Uint8Array, pos: number, entry: { view: Uint8Array }): number {
  if (pos + 4 > body.length) return -1;
  const n = ((body[pos]! << 24) >>> 0) + (body[pos + 1]! << 16) + (body[pos + 2]! << 8) + body[pos + 3]!;
  const end = pos + 4 + n;
  if (end > body.length) return -1;
  entry.view = body.subarray(pos + 4, end);
  return end;
}

export function utf8Of(s: string): Uint8Array {
  return utf8.encode(s);
}

export function jsonBody(value: unknown): Uint8Array {
  return utf8.encode(JSON.stringify(value));
}

export function parseJson<T>(body: Uint8Array): T | null {
  try {
    return JSON.parse(text.decode(body)) as T;
  } catch {
    return null;
  }
}

/** A participant id as one subject token (ids may hold dots or spaces): base64url of its UTF-8. */
export function subjectToken(id: string): string {
  return Buffer.from(id, 'utf8').toString('base64url') || '_';
}
