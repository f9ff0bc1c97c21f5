/**
 * The pure codec of the wire protocol: bytes in, typed values out, and back. No I/O, no state.
 * Generated protobufjs code stays behind this module; callers use the types exported here.
 */
import $protobuf from 'protobufjs/minimal.js';
// Must come before the generated code: uint64 fields are plain numbers, absent ones included (see the module).
import './numbers-not-longs.js';
import { ephemera } from './generated/ephemera.js';

const v1 = ephemera.v1;

export const PROTOCOL_VERSION = 1;
/** The WebSocket subprotocol a client offers and the relay answers. */
export const SUBPROTOCOL = 'ephemera.v1';
/** Prefix of the second subprotocol entry, which carries the join token. */
export const BEARER_PREFIX = 'bearer.';

export const Kind = v1.Kind;
export type Kind = ephemera.v1.Kind;
export const Audience = v1.Audience;
export type Audience = ephemera.v1.Audience;
export const HostAction = v1.HostControl.Action;
export type HostAction = ephemera.v1.HostControl.Action;
/** Names of the host actions, as CDRs count them and the client SDK reports them. */
export type HostActionName = 'end_meeting' | 'remove' | 'lock' | 'unlock' | 'ask_mute' | 'promote' | 'demote';
export const HOST_ACTION_NAMES: Readonly<Record<number, HostActionName>> = Object.freeze({
  [v1.HostControl.Action.END_MEETING]: 'end_meeting',
  [v1.HostControl.Action.REMOVE]: 'remove',
  [v1.HostControl.Action.LOCK]: 'lock',
  [v1.HostControl.Action.UNLOCK]: 'unlock',
  [v1.HostControl.Action.ASK_MUTE]: 'ask_mute',
  [v1.HostControl.Action.PROMOTE]: 'promote',
  [v1.HostControl.Action.DEMOTE]: 'demote',
});
export const RosterChange = v1.RosterUpdate.Change;
export type RosterChange = ephemera.v1.RosterUpdate.Change;
export const TrackSource = v1.Track.Source;
export type TrackSource = ephemera.v1.Track.Source;

/** A decoded envelope. Absent scalar fields read as their zero value; absent bodies are undefined/null. */
export type Envelope = ephemera.v1.Envelope;
/** The fields one may set when building an envelope. */
export type EnvelopeInit = ephemera.v1.Envelope.$Properties;
export type Participant = ephemera.v1.Participant.$Properties;
export type Welcome = ephemera.v1.Welcome.$Properties;
export type Limits = ephemera.v1.Limits.$Properties;
export type RosterUpdate = ephemera.v1.RosterUpdate.$Properties;
export type WireError = ephemera.v1.Error.$Properties;
export type ResumeGap = ephemera.v1.ResumeGap.$Properties;
export type HostControl = ephemera.v1.HostControl.$Properties;
export type PollOpen = ephemera.v1.PollOpen.$Properties;
export type PollAnswer = ephemera.v1.PollAnswer.$Properties;
export type PollTally = ephemera.v1.PollTally.$Properties;
export type DocumentOffer = ephemera.v1.DocumentOffer.$Properties;
export type DocumentChunk = ephemera.v1.DocumentChunk.$Properties;
export type DocumentAck = ephemera.v1.DocumentAck.$Properties;
export type DocumentCredit = ephemera.v1.DocumentCredit.$Properties;
export type Track = ephemera.v1.Track.$Properties;
export type Subscription = ephemera.v1.Subscription.$Properties;
export type ChatMessage = ephemera.v1.ChatMessage.$Properties;
export type PollText = ephemera.v1.PollText.$Properties;
export type DocumentInfo = ephemera.v1.DocumentInfo.$Properties;

/** A decoding failure: the bytes are not a valid message of the expected type. Never carries the bytes. */
export class ProtocolDecodeError extends Error {
  readonly code = 'RELAY_ERR_MALFORMED_FRAME' as const;
  constructor(what: string) {
    super(`malformed ${what}`);
    this.name = 'ProtocolDecodeError';
  }
}

export type DecodeResult<T> = { ok: true; value: T } | { ok: false; error: ProtocolDecodeError };

const KNOWN_KINDS = new Set<number>(Object.values(v1.Kind).filter((k): k is number => typeof k === 'number' && k !== 0));

/** The highest nesting the relay accepts while decoding (guards against deeply nested garbage). */
$protobuf.Reader.recursionLimit = 16;

function decodeWith<T>(type: { decode(r: Uint8Array): T }, bytes: Uint8Array, what: string): DecodeResult<T> {
  try {
    return { ok: true, value: type.decode(bytes) };
  } catch {
    return { ok: false, error: new ProtocolDecodeError(what) };
  }
}

/**
 * Decodes one Envelope. Bytes fields (payload) are views into `bytes`, not copies: copy them if they must
 * outlive the buffer. Unknown kinds are reported as errors, unknown fields are ignored.
 */
export function decodeEnvelope(bytes: Uint8Array): DecodeResult<Envelope> {
  const r = decodeWith(v1.Envelope, bytes, 'envelope');
  if (r.ok && !KNOWN_KINDS.has(r.value.kind)) return { ok: false, error: new ProtocolDecodeError('envelope kind') };
  return r;
}

/**
 * Encodes one Envelope into a fresh Uint8Array. protobufjs' writer builds it in growing buffers from Node's shared
 * Buffer pool and copies the result out, leaving copies nobody can wipe: frames that carry content on the relay go
 * through forward-frame.ts or payload-frame.ts instead (SECURITY.md).
 */
export function encodeEnvelope(env: EnvelopeInit): Uint8Array {
  return v1.Envelope.encode(env).finish();
}

export function encodeChatMessage(msg: ChatMessage): Uint8Array {
  return v1.ChatMessage.encode(msg).finish();
}
export function decodeChatMessage(bytes: Uint8Array): DecodeResult<ephemera.v1.ChatMessage> {
  return decodeWith(v1.ChatMessage, bytes, 'chat message');
}
export function encodePollText(msg: PollText): Uint8Array {
  return v1.PollText.encode(msg).finish();
}
export function decodePollText(bytes: Uint8Array): DecodeResult<ephemera.v1.PollText> {
  return decodeWith(v1.PollText, bytes, 'poll text');
}
export function encodeDocumentInfo(msg: DocumentInfo): Uint8Array {
  return v1.DocumentInfo.encode(msg).finish();
}
export function decodeDocumentInfo(bytes: Uint8Array): DecodeResult<ephemera.v1.DocumentInfo> {
  return decodeWith(v1.DocumentInfo, bytes, 'document info');
}

/** The name of a kind, for logs and metrics labels (never content). */
export function kindName(kind: number): string {
  return v1.Kind[kind] ?? 'UNKNOWN';
}
