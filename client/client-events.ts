/** The typed events of EphemeraClient (client.on(name, listener)). */
import type { Envelope } from '../protocol/index.js';
import type {
  ChatEvent,
  CloseEvent,
  DocumentCancelledEvent,
  ErrorEvent,
  HostControlEvent,
  IncomingDocument,
  MediaEvent,
  PollClosedEvent,
  PollOpenedEvent,
  PollTallyEvent,
  RosterBatchEvent,
  RosterEvent,
  TrackEvent,
  ReconnectingEvent,
  ResumedEvent,
  RejoinedEvent,
  FailedEvent,
} from './client.types.js';

export interface ClientEvents {
  chat: (e: ChatEvent) => void;
  /** One roster change (each change of a batch, in order, after it was applied to `client.roster`). */
  roster: (e: RosterEvent) => void;
  /** A whole ROSTER_BATCH, after its changes were applied and their `roster` events raised. */
  rosterBatch: (e: RosterBatchEvent) => void;
  /** The meeting's participant count changed (`client.participantCount`). */
  participantCount: (e: { count: number }) => void;
  error: (e: ErrorEvent) => void;
  close: (e: CloseEvent) => void;
  ended: (e: { reason: string }) => void;
  hostControl: (e: HostControlEvent) => void;
  trackPublished: (e: TrackEvent) => void;
  trackUnpublished: (e: TrackEvent) => void;
  media: (e: MediaEvent) => void;
  keyframeRequest: (e: { track: number }) => void;
  activeSpeakers: (e: { participants: string[] }) => void;
  /** Someone opened a poll (not sent to its owner). */
  pollOpened: (e: PollOpenedEvent) => void;
  /** To a poll's owner: the running tally, coalesced; `closed` on the final one. */
  pollTally: (e: PollTallyEvent) => void;
  /** A poll was closed (not sent to whoever closed it). */
  pollClosed: (e: PollClosedEvent) => void;
  /** A poll's owner shared its results. */
  pollResults: (e: PollTallyEvent) => void;
  /**
   * A document is offered to you: call receive() (or cancel()) on it. Chunks wait unacknowledged until you do;
   * the relay drops a receiver that acknowledges nothing for its stall timeout (10 s by default). With no
   * listener for this event, offers are declined at once.
   */
  documentOffered: (d: IncomingDocument) => void;
  /** A transfer you share or receive was cancelled, or (to the sharer) a receiver left it. */
  documentCancelled: (e: DocumentCancelledEvent) => void;
  /** To a sharer: a participant asks you to offer a document again (shareDocument(..., { to: from })). */
  documentResendRequested: (e: { transferId: string; from: string }) => void;
  pong: (e: { ref: number }) => void;
  /** The connection dropped unexpectedly (or a relay of a cluster let it go: 4013, 4014, 1001); attempt `attempt` to resume starts after `delayMs`. */
  reconnecting: (e: ReconnectingEvent) => void;
  /** The session continues (same session on the relay); `gap` says what could not be resent, if anything. */
  resumed: (e: ResumedEvent) => void;
  /** After a cluster close the resume was refused and the client joined anew with its token (a new session). */
  rejoined: (e: RejoinedEvent) => void;
  /** Resume did not work (refused, or attempts/time ran out); `close` follows. */
  failed: (e: FailedEvent) => void;
  /** Every decoded frame, after the typed event (for tools and tests). */
  frame: (env: Envelope) => void;
}
