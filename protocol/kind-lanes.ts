/**
 * The one table from a frame's kind to its lane (and so its delivery class), and which kinds a client may send.
 * The relay dispatches on it once per frame; metrics, CDRs and the cluster count on the same lanes.
 */
import { Kind } from './codec.js';

/** Lanes, each with its delivery class: control/chat/poll/document are reliable, audio/video/screen lossy. */
export const LANES = ['control', 'chat', 'poll', 'document', 'audio', 'video', 'screen'] as const;
export type LaneName = (typeof LANES)[number];

/** The lanes whose frames are never dropped silently. */
export const RELIABLE_LANES: ReadonlySet<LaneName> = new Set<LaneName>(['control', 'chat', 'poll', 'document']);

/**
 * Which lane handler takes a client frame of each kind. Kinds absent here (the relay's own: WELCOME, ROSTER,
 * ERROR, MEETING_ENDED, POLL_TALLY, DOC_CREDIT, KEYFRAME_REQUEST, ACTIVE_SPEAKERS, RESUME_GAP) a client may not send.
 * `media` and `host` are handler names; MEDIA frames count on their track's lane (audio, video or screen), host
 * controls and track control frames on `control`.
 */
export type LaneHandlerName = 'control' | 'chat' | 'poll' | 'document' | 'media' | 'host';

export const CLIENT_KIND_HANDLER: Readonly<Partial<Record<Kind, LaneHandlerName>>> = Object.freeze({
  [Kind.PING]: 'control',
  [Kind.PONG]: 'control',
  [Kind.LEAVE]: 'control',
  [Kind.HOST_CONTROL]: 'host',
  [Kind.CHAT]: 'chat',
  [Kind.POLL_OPEN]: 'poll',
  [Kind.POLL_ANSWER]: 'poll',
  [Kind.POLL_CLOSE]: 'poll',
  [Kind.POLL_RESULTS]: 'poll',
  [Kind.DOC_OFFER]: 'document',
  [Kind.DOC_CHUNK]: 'document',
  [Kind.DOC_ACK]: 'document',
  [Kind.DOC_CANCEL]: 'document',
  [Kind.DOC_RESEND]: 'document',
  [Kind.TRACK_PUBLISH]: 'media',
  [Kind.TRACK_UNPUBLISH]: 'media',
  [Kind.TRACK_SUBSCRIBE]: 'media',
  [Kind.TRACK_UNSUBSCRIBE]: 'media',
  [Kind.MEDIA]: 'media',
});

/** The lane a client frame of this kind counts against (MEDIA counts on its track's lane instead). */
export function laneOfKind(kind: number): LaneName {
  if (kind === Kind.CHAT) return 'chat';
  if (kind >= 20 && kind < 30) return 'poll';
  if (kind >= 30 && kind < 40) return 'document';
  return 'control';
}

/** One past the highest kind number: dispatch tables are arrays of this length, indexed by kind. */
export const KIND_TABLE_SIZE = 64;

/**
 * The kind of an envelope when it is written first (as every encoder does: field 1, a varint of one or two
 * bytes), else -1: the caller then decodes the whole frame to learn it.
 */
export function peekKind(bytes: Uint8Array): number {
  if (bytes.length < 2 || bytes[0] !== 0x08) return -1;
  const b1 = bytes[1]!;
  if (b1 < 0x80) return b1;
  if (bytes.length < 3) return -1;
  const b2 = bytes[2]!;
  return b2 < 0x80 ? (b1 & 0x7f) | (b2 << 7) : -1;
}
