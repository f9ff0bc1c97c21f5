/**
 * Public types of call-detail records (CDRs): the record's JSON shape (documented field by field in
 * relay/cdr/README.md), the recorder's options, its statistics and its interface.
 * A CDR holds metadata only: never content, never tokens.
 */
import type {
  EndReason,
  Feature,
  Lane,
  LeaveReason,
  MeetingObserver,
  MeetingView,
  ParticipantView,
  Role,
} from '../meeting/meeting.types.js';

/** Value of every record's `schema` field. A reader refuses schemas it does not know. */
export const CDR_SCHEMA = 'ephemera.cdr/1';

/** One join..leave span of a participant. Times are ISO 8601 UTC strings. */
export interface CdrSession {
  joinedAt: string;
  /** null only in interim records, for a session still open. */
  leftAt: string | null;
  /** null only in interim records, for a session still open. */
  leaveReason: LeaveReason | null;
  /**
   * Only when the session resumed after dropped connections: each gap from the drop to the resume (ISO 8601
   * UTC). The session stayed one session; the participant's place was held meanwhile.
   */
  gaps?: Array<{ from: string; to: string }>;
  /**
   * Cluster mode only: the node name (`--node`) of the relay the session was on. The meeting's owner relay
   * writes the one record of a meeting that spanned relays, with every relay's sessions.
   */
  relay?: string;
}

export interface CdrParticipant {
  /** The participant id (the token's `sub`). */
  id: string;
  /** The role at the time of the record (a promotion during the meeting shows the new role). */
  role: Role;
  sessions: CdrSession[];
  /** Only when the operator turned on includeDisplayNames and the token carried a name. */
  displayName?: string;
  /** Only when the operator turned on includeIpAddresses. */
  ip?: string;
}

export interface CdrLaneCounts {
  framesIn: number;
  bytesIn: number;
  framesOut: number;
  bytesOut: number;
  dropped: number;
}

export interface CdrActivity {
  /** Host actions by kind (for example end, remove, lock, mute, promote), keys sorted. */
  hostActions: Record<string, number>;
  pollsOpened: number;
  pollAnswers: number;
  documentsOffered: number;
  /** Document bytes the sharers sent through the relay (counted, never kept). */
  documentBytes: number;
  tracksPublished: number;
}

/** One call-detail record, as written to the outbox, the CDR file, webhooks and stdout. */
export interface CdrRecord {
  schema: typeof CDR_SCHEMA;
  /** Idempotency key: the cdrId for the final record, `cdrId:sequence` for an interim one. */
  id: string;
  /** Stable id of the meeting's record, the same in every interim and the final record. */
  cdrId: string;
  /** Per meeting: interim records 1, 2, ..; the final record the next number. */
  sequence: number;
  /** true for interim records. */
  partial: boolean;
  meetingId: string;
  relayNode: string;
  startedAt: string;
  /** End of the meeting (final) or the moment the interim record was taken. */
  endedAt: string;
  durationMs: number;
  /** null for interim records. */
  endReason: EndReason | null;
  participants: CdrParticipant[];
  peakParticipants: number;
  /** Sum over all sessions, in minutes, rounded to 2 decimals. */
  participantMinutes: number;
  /** Sorted. */
  features: Feature[];
  lanes: Record<Lane, CdrLaneCounts>;
  activity: CdrActivity;
  /** true when the record was emitted by crash recovery at the next start. */
  recovered: boolean;
}

/** A pino-like logger. The CDR code logs ids, counts and error codes only, never record bodies. */
export interface CdrLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** The JSON-lines CDR file sink (the user-facing CDR file). */
export interface FileSinkOptions {
  type: 'file';
  /** Unique sink name (cursor and failed-file names). Default: the type, then type-2, type-3... */
  name?: string;
  /** Default `<dataDir>/cdr/cdr.jsonl`. */
  path?: string;
}

/** A webhook with Standard Webhooks headers. */
export interface WebhookSinkOptions {
  type: 'webhook';
  name?: string;
  /** http:// or https:// URL the records are POSTed to. */
  url: string;
  /** Signing secrets `whsec_<base64>`; every one signs each request (rotation). At least one. */
  secrets: string[];
  /** Per-request timeout. Default 10 000 ms. */
  timeoutMs?: number;
  /** First retry delay bound (full jitter). Default 500 ms. */
  backoffBaseMs?: number;
  /** Largest retry delay. Default 60 000 ms. */
  backoffMaxMs?: number;
}

/** One JSON line per record on process.stdout. */
export interface StdoutSinkOptions {
  type: 'stdout';
  name?: string;
}

export type CdrSinkOptions = FileSinkOptions | WebhookSinkOptions | StdoutSinkOptions;

/** Options of createCdrRecorder. Validated once and frozen; a bad value throws CdrOptionsError naming it. */
export interface CdrOptions {
  /** Data folder; the CDR files live in `<dataDir>/cdr/`. Required. */
  dataDir: string;
  /** Default `[{ type: 'file' }]`. Several at once; names must be unique. */
  sinks?: CdrSinkOptions[];
  /** Interim records for meetings longer than this, every this long. Default 900 000 (15 min); 0 = off. */
  interimIntervalMs?: number;
  /** Journal heartbeat (and free-space check) period. Default 5 000 ms. */
  heartbeatMs?: number;
  /** Write display names into records (and the journal). Default false. */
  includeDisplayNames?: boolean;
  /** Write participants' IP addresses into records (and the journal). Default false. */
  includeIpAddresses?: boolean;
  logger?: CdrLogger;
  /** ready() turns false when the CDR folder's file system has less free space than this. Default 1 MiB. */
  minFreeBytes?: number;
  /** How long close() waits for in-flight deliveries. Default 5 000 ms. */
  closeTimeoutMs?: number;
  /** The journal is rewritten once it is larger than this and mostly dead lines. Default 1 MiB. */
  journalCompactBytes?: number;
  /** The outbox is rewritten once acknowledged lines take more than this (or all are acknowledged). Default 1 MiB. */
  outboxCompactBytes?: number;
  /**
   * Cluster mode: this relay's record of a meeting is one part of the meeting's record, which the meeting's owner
   * relay writes (relay/cluster/DESIGN.md). The recorder then writes no final or interim record of its own
   * meetings; their journal entries stay open until partRecorded(), and crash recovery hands its records over
   * (recoveredParts) instead of writing them. Default false.
   */
  handOff?: boolean;
}

/** Delivery statistics of one sink. */
export interface CdrSinkStats {
  readonly name: string;
  readonly type: CdrSinkOptions['type'];
  /** Records acknowledged by the sink since start. */
  readonly delivered: number;
  /** Records in the outbox this sink has not acknowledged yet. */
  readonly backlog: number;
  /** Failed attempts that will be retried, since start. */
  readonly retries: number;
  /** Records parked as failed (all time, from the failed file). */
  readonly failed: number;
  /** Age in seconds of the oldest record this sink has not acknowledged; 0 when none. */
  readonly oldestUndeliveredAgeSeconds: number;
  /** Code or HTTP status of the last failed attempt, null after a success. */
  readonly lastError: string | null;
}

/** Statistics for metrics. Counters are since start unless noted. */
export interface CdrStats {
  readonly ready: boolean;
  /** Records appended to the outbox (final + interim + recovered). */
  readonly recordsWritten: number;
  readonly finalRecordsWritten: number;
  readonly interimRecordsWritten: number;
  /** Final records emitted by crash recovery at this start. */
  readonly recoveredRecords: number;
  /** Records waiting for at least one sink (retry backlog). */
  readonly backlog: number;
  /** Age in seconds of the oldest record some sink has not acknowledged; 0 when none. */
  readonly oldestUndeliveredAgeSeconds: number;
  /** Records parked as failed, all sinks, all time. */
  readonly failed: number;
  /** Final records built but not yet durable (the outbox could not be written); they are retried. */
  readonly pendingRecords: number;
  readonly openMeetings: number;
  readonly sinks: readonly CdrSinkStats[];
}

/** The CDR recorder: a MeetingObserver that turns meeting lifecycles into durable, delivered records. */
export interface CdrRecorder extends MeetingObserver {
  meetingStarted(meeting: MeetingView): void;
  participantJoined(
    meeting: MeetingView,
    participant: ParticipantView,
    at: number,
  ): void;
  participantLeft(
    meeting: MeetingView,
    participant: ParticipantView,
    reason: LeaveReason,
    at: number,
  ): void;
  meetingEnded(meeting: MeetingView, reason: EndReason, endedAt: number): void;
  /** false when records cannot be made durable (disk full, read-only, pending records): admit no new meetings. */
  ready(): boolean;
  /** Why ready() is false (a CDR_ERR_* code), or null when ready. */
  notReadyReason(): string | null;
  stats(): CdrStats;
  /** cdrIds of the meetings crash recovery closed at this start. */
  readonly recovered: readonly string[];
  readonly paths: CdrPaths;
  /**
   * Cluster mode (handOff): the records crash recovery built of this relay's parts, for the owner relay, each with
   * the meeting's record id when the owner had named it before the crash.
   */
  readonly recoveredParts: ReadonlyArray<{ readonly record: CdrRecord; readonly recordId?: string }>;
  /** Cluster mode: journals the meeting's record id the owner named for this part (recovery hands it back). */
  recordIdKnown(cdrId: string, recordId: string): void;
  /** Cluster mode: the meeting's record that holds this part is durable on its owner: close the journal entry. */
  partRecorded(cdrId: string, reason: EndReason, endedAt: number): void;
  /** Builds this relay's record of a meeting (final with a reason, else interim), with the recorder's options. */
  buildPart(view: MeetingView, reason: EndReason | null, at: number): CdrRecord;
  /** Cluster mode, on the owner relay: appends a meeting's record (final or interim) with fsync; false when not. */
  appendRecord(record: CdrRecord): boolean;
  /** Idempotent: stops timers, writes a last heartbeat, waits (bounded) for in-flight deliveries. */
  close(): Promise<void>;
}

/** Where the CDR files live. */
export interface CdrPaths {
  readonly dir: string;
  readonly outbox: string;
  readonly journal: string;
  readonly cursors: string;
  readonly lock: string;
  readonly defaultFile: string;
  failed(sinkName: string): string;
  cursor(sinkName: string): string;
}
