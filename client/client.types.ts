/** Public types of the client SDK. */
import type { WireError } from '../protocol/index.js';

export interface RosterParticipant {
  readonly id: string;
  readonly role: string;
  readonly capabilities: string[];
  readonly displayName: string;
  /** Unix milliseconds. */
  readonly joinedAt: number;
  /** Present (true) while its connection dropped and the relay holds its place (protocol/README.md, "Resume"). */
  readonly reconnecting?: boolean;
}

export interface ChatEvent {
  readonly from: string;
  readonly text: string;
  /** 'everyone', 'one' (a direct message to you) or 'hosts'. */
  readonly audience: 'everyone' | 'one' | 'hosts';
  readonly seq: number;
  readonly sentAt: number;
}

export interface RosterEvent {
  /** 'reconnecting': its connection dropped and the relay holds its place; 'resumed': it is back (same session). */
  readonly change: 'joined' | 'left' | 'updated' | 'reconnecting' | 'resumed';
  readonly participant: RosterParticipant;
  readonly reason: string;
}

/**
 * One ROSTER_BATCH from the relay: roster changes coalesced over its batch window (or, with `page`, part of the
 * roster that follows the WELCOME), and the participant count after them.
 */
export interface RosterBatchEvent {
  readonly updates: readonly RosterEvent[];
  /** Everyone present in the meeting (in a large meeting, more than your roster lists). */
  readonly participantCount: number;
  /** True in a large meeting when you are an attendee: your roster holds the hosts, presenters and you only. */
  readonly staffOnly: boolean;
  /** True for a page of the roster that follows your WELCOME. */
  readonly page: boolean;
}

export interface ErrorEvent {
  readonly code: string;
  readonly message: string;
  readonly closeCode: number;
  readonly ref: number;
}

export interface CloseEvent {
  readonly code: number;
  readonly reason: string;
}

export interface HostControlEvent {
  readonly from: string;
  readonly action: 'end_meeting' | 'remove' | 'lock' | 'unlock' | 'ask_mute' | 'promote' | 'demote';
  readonly target: string;
  readonly bar: boolean;
  readonly track: number;
}

export interface TrackEvent {
  readonly publisher: string;
  readonly id: number;
  readonly source: 'audio' | 'video' | 'screen';
  readonly codec: string;
}

export interface MediaEvent {
  readonly from: string;
  readonly track: number;
  readonly keyframe: boolean;
  readonly timestamp: number;
  readonly audioLevel: number;
  readonly seq: number;
  /** The frame's bytes (a view valid until the next event; copy to keep). */
  readonly payload: Uint8Array;
}

export type { WireError };

// Polls.

/** One question of a poll as participants see it. */
export interface PollQuestion {
  readonly text: string;
  readonly options: readonly string[];
}

/** What openPoll() takes. */
export interface PollSpec {
  /** Unique within the meeting; default a random id. */
  readonly pollId?: string;
  readonly questions: readonly PollQuestion[];
  /** Anonymous polls never tell the owner who answered. Default true. */
  readonly anonymous?: boolean;
  /** May an answer pick several options per question? Default false. */
  readonly multipleChoice?: boolean;
}

/**
 * An answer: per question (by index), the option index chosen, or the option indexes chosen (multiple choice);
 * null/undefined or an empty list skips the question.
 */
export type PollChoices = ReadonlyArray<number | readonly number[] | null | undefined>;

export interface PollOpenedEvent {
  readonly pollId: string;
  /** The owner. */
  readonly from: string;
  readonly questions: readonly PollQuestion[];
  readonly anonymous: boolean;
  readonly multipleChoice: boolean;
  readonly seq: number;
}

/** A tally: to the owner (pollTally, from the relay: `from` is empty) or shared with everyone (pollResults). */
export interface PollTallyEvent {
  readonly pollId: string;
  readonly from: string;
  /** Per question, per option: how many answers picked it. */
  readonly counts: readonly (readonly number[])[];
  /** How many participants answered. */
  readonly answers: number;
  readonly closed: boolean;
  /** Who has answered so far: named polls, owner's tallies only; empty otherwise. */
  readonly answeredBy: readonly string[];
}

export interface PollClosedEvent {
  readonly pollId: string;
  /** Who closed it (the owner or a host). */
  readonly from: string;
}

// Documents.

/** Where shareDocument() reads a document from. A function is called again for each pass it needs. */
export type DocumentSource =
  | Uint8Array
  | AsyncIterable<Uint8Array>
  | Iterable<Uint8Array>
  | (() => AsyncIterable<Uint8Array> | Iterable<Uint8Array>);

export interface ShareDocumentOptions {
  /** File name shown to receivers (opaque to the relay). */
  readonly name: string;
  /** Media type, e.g. application/pdf. Default application/octet-stream. */
  readonly type?: string;
  /** Share with one participant only. */
  readonly to?: string;
  /** Share with the hosts only. */
  readonly hosts?: boolean;
  /** Unique within the meeting; default a random id. */
  readonly transferId?: string;
  /** Bytes per chunk; default min(64 KiB, what the relay's limits allow). */
  readonly chunkSize?: number;
  /**
   * Size and SHA-256 of the document. Required for a one-shot stream (an iterable that is not a function), which
   * cannot be read twice; otherwise computed. The bytes sent are checked against them.
   */
  readonly size?: number;
  readonly sha256?: Uint8Array;
  /** Called after each chunk is sent. */
  readonly onProgress?: (sent: number, size: number) => void;
  /** Aborting cancels the transfer for every receiver (like cancelDocument()). */
  readonly signal?: AbortSignal;
}

/** How a shared document ended for the sharer. */
export interface ShareResult {
  readonly transferId: string;
  readonly size: number;
  /** Lower-case hex. */
  readonly sha256: string;
  /** Receivers that left the transfer before its end, and why (receiver_cancelled, receiver_left, too_slow). */
  readonly dropped: ReadonlyArray<{ readonly participant: string; readonly reason: string }>;
}

/** Called for each chunk, in order; the next chunk waits until a returned promise settles. */
export type DocumentSink = (chunk: Uint8Array, offset: number) => void | Promise<void>;

/** A document offered to you (event documentOffered). Call receive() or cancel() promptly: chunks are not
 * acknowledged until you do, and the relay drops a receiver that does not acknowledge. */
export interface IncomingDocument {
  readonly transferId: string;
  readonly from: string;
  readonly name: string;
  readonly type: string;
  readonly size: number;
  /** The SHA-256 the sharer announced (32 bytes); receive() checks the bytes against it. */
  readonly sha256: Uint8Array;
  readonly chunkSize: number;
  /** Collects the document and resolves with its bytes once the hash checks. */
  receive(): Promise<Uint8Array>;
  /** Streams the chunks to `sink` (nothing is kept) and resolves once the hash checks. */
  receive(sink: DocumentSink): Promise<void>;
  /** Leaves the transfer. */
  cancel(): void;
}

export interface DocumentCancelledEvent {
  readonly transferId: string;
  /** Who cancelled, if a participant did (empty when the relay did). */
  readonly from: string;
  /** sharer_cancelled, receiver_cancelled, too_slow, sharer_left, receiver_left, no_receivers. */
  readonly reason: string;
  /** To the sharer: the receiver that left the transfer (empty when the whole transfer ended). */
  readonly participant: string;
}

/** What a resume could not deliver (the relay's RESUME_GAP frame): counts per lane, never content. */
export interface ResumeGapInfo {
  /** The last seq this client had. */
  readonly afterSeq: number;
  /** Frames up to this seq may be missing; everything after it was delivered. */
  readonly throughSeq: number;
  /** False when the relay no longer knew the counts either. */
  readonly countsKnown: boolean;
  /** Frames missed per lane (control, chat, poll, document). */
  readonly missed: Readonly<Record<string, number>>;
}

export interface ReconnectingEvent {
  readonly attempt: number;
  /** The close code of the connection that dropped (1006 when it died without a close frame). */
  readonly code: number;
  readonly reason: string;
  /** Wait before this attempt, ms. */
  readonly delayMs: number;
  /** What this attempt offers: the resume credential, or (after a cluster close whose resume was refused) the join token. */
  readonly mode: 'resume' | 'rejoin';
}

/**
 * After a cluster close (4013, 4014, 1001 of a draining relay) the resume was refused and the client joined anew
 * with its join token: a new session (new WELCOME: `client.welcome`, roster, tracks). Nothing sent while away is
 * delivered (no history); your published tracks were published again and your subscriptions are asked for again
 * (at once, or when the new relay announces the track); document transfers in progress failed (DOC_ERR_CLOSED).
 */
export interface RejoinedEvent {
  readonly attempts: number;
  /** From the close to the new WELCOME, ms. */
  readonly downMs: number;
  /** The close code that started it (4013, 4014 or 1001). */
  readonly code: number;
  /** Why the resume did not work: RELAY_ERR_RESUME_REFUSED, RELAY_ERR_RESUME_INVALID, or no_credential (the relay offered none). */
  readonly resumeRefused: string;
}

export interface ResumedEvent {
  readonly attempts: number;
  /** From the drop to the resumed WELCOME, ms. */
  readonly downMs: number;
  /** null: nothing was lost (every missed frame was delivered); otherwise what the relay could not resend. */
  readonly gap: ResumeGapInfo | null;
}

export interface FailedEvent {
  /**
   * RELAY_ERR_RESUME_REFUSED / _INVALID / ... when the relay refused, or 'gave_up' (attempts or time ran out).
   * After a cluster close: the rejoin's refusal (RELAY_ERR_TOKEN_EXPIRED, RELAY_ERR_MEETING_ENDED, ...), or the
   * resume's refusal when the token could not be tried (`rejoinBlocked` says why).
   */
  readonly reason: string;
  /** Set when a rejoin was not tried: token_expired, token_single_use, token_malformed, rejoin_off. */
  readonly rejoinBlocked?: string;
  readonly code: number;
  readonly closeReason: string;
}
