/**
 * The crash journal: a MeetingObserver that appends meeting metadata (starts, joins and leaves with roles and
 * reasons, interim sequence numbers, counters in a heartbeat, ends) to `<dataDir>/cdr/journal.jsonl`, so that
 * after `kill -9` the next start can close every meeting that was open (see journal-recovery.ts).
 *
 * Every line is written synchronously with write(2) (a killed process loses nothing already written); fsync
 * is a group commit on libuv's thread pool: one in flight at a time, and lines written meanwhile share the next
 * one (a join storm costs a few fsyncs a second, and the event loop never waits for the disk); heartbeats fsync
 * at once. When the dead share of the file passes a threshold it is rewritten with one snapshot line per
 * open meeting. Write failures never throw into the core: the line is kept and retried, and onHealth reports.
 */
import type { EndReason, LeaveReason, MeetingObserver, MeetingView, ParticipantView, Role } from '../meeting/meeting.types.js';
import type { CdrLogger } from './cdr.types.js';
import { errorCode } from './cdr-errors.js';
import { AppendFile, writeFileAtomic } from './durable-file.js';
import type { JournalCounters, JournalLine, JournalSnapParticipant } from './journal.types.js';
import { countersOf } from './view-copy.js';
import { createHash } from 'node:crypto';

export interface JournalOptions {
  readonly path: string;
  readonly includeDisplayNames: boolean;
  readonly includeIpAddresses: boolean;
  /** Rewrite once the file is at least this big and at least half of it is dead. */
  readonly compactBytes: number;
  readonly logger: CdrLogger;
  /** Called with an error code when a write fails and with null when writes succeed again. */
  readonly onHealth?: (error: string | null) => void;
}

interface OpenMeeting {
  view: MeetingView;
  interimSeq: number;
  /**
   * SHA-256 of the JSON of the counters last journaled (whether they changed since): 43 characters, where the JSON
   * itself (a few hundred, kept per open meeting) was ~50 B of every connection's memory in 10-person meetings.
   */
  counters: string;
  /**
   * The role last journaled for each participant that is not an attendee (no entry: `attendee`). Sparse because
   * most of a large meeting are attendees: an entry per participant was ~50 B of every connection's memory.
   */
  roles: Map<string, Role>;
  /** Bytes of this meeting's lines a snapshot would replace. */
  liveBytes: number;
  /** Cluster mode: the id of the meeting's record (the owner relay's), once known. */
  recordId?: string;
}

function digest(json: string): string {
  return createHash('sha256').update(json).digest('base64url');
}

/** The role last journaled for a participant (OpenMeeting.roles). */
function journaledRole(m: OpenMeeting, id: string): Role {
  return m.roles.get(id) ?? 'attendee';
}

function noteRole(roles: Map<string, Role>, id: string, role: Role): void {
  if (role === 'attendee') roles.delete(id);
  else roles.set(id, role);
}

/** Lines kept in memory while the file cannot be written; past this the oldest are dropped (logged). */
const MAX_PENDING_BYTES = 4 * 1024 * 1024;
const COMPACT_RETRY_MS = 60_000;
/**
 * Background fsyncs start at most this often. Each costs ~0.1 ms of main-thread CPU to hand to the thread pool
 * (and 1-4 ms of disk here), and while it writes back the file's last page an append to that page waits for it
 * (stable pages: the synchronous write(2) of the next journal line stalls the event loop). A join storm pays at
 * most 10 a second instead of one per join. A killed relay loses nothing either way (write(2) is synchronous);
 * only a crash of the machine itself can lose the lines of the last 100 ms (before: of the last event-loop turn).
 * Heartbeats still fsync at once.
 */
const SYNC_INTERVAL_MS = 100;

export class Journal implements MeetingObserver {
  readonly path: string;
  readonly #opts: JournalOptions;
  #file: AppendFile;
  #open = new Map<string, OpenMeeting>();
  #pending: string[] = [];
  #pendingBytes = 0;
  #syncScheduled = false;
  /** A background fsync is running; lines written meanwhile wait for the next one. */
  #syncing = false;
  #lastSyncAt = 0;
  #healthy = true;
  #compactFailedAt = 0;
  #closed = false;

  private constructor(opts: JournalOptions, file: AppendFile) {
    this.path = opts.path;
    this.#opts = opts;
    this.#file = file;
  }

  /** Opens (creating) the journal for appending. Run recovery first: this does not read old lines. */
  static open(opts: JournalOptions): Journal {
    return new Journal(opts, AppendFile.open(opts.path));
  }

  get openMeetings(): number {
    return this.#open.size;
  }

  get healthy(): boolean {
    return this.#healthy;
  }

  get size(): number {
    return this.#file.size;
  }

  #setHealth(error: string | null): void {
    const healthy = error === null;
    if (healthy === this.#healthy) return;
    this.#healthy = healthy;
    this.#opts.onHealth?.(error);
  }

  /** Writes pending lines plus `line`; true on success. On failure `line` is queued when `keep`. */
  #write(line: string | null, syncNow: boolean, keep: boolean): boolean {
    if (this.#closed) return false;
    const text = this.#pending.join('') + (line ?? '');
    try {
      if (text === '') {
        if (syncNow && !this.#healthy) {
          this.#file.sync();
          this.#setHealth(null);
        }
        return true;
      }
      this.#file.append(text, syncNow);
    } catch (err) {
      if (line !== null && keep) this.#queue(line);
      const code = errorCode(err);
      if (this.#healthy) this.#opts.logger.error({ path: this.path, code }, 'cdr journal write failed');
      this.#setHealth(code);
      return false;
    }
    this.#pending = [];
    this.#pendingBytes = 0;
    if (!syncNow) this.#scheduleSync();
    else this.#setHealth(null);
    return true;
  }

  #queue(line: string): void {
    this.#pending.push(line);
    this.#pendingBytes += line.length;
    while (this.#pendingBytes > MAX_PENDING_BYTES && this.#pending.length > 1) {
      this.#pendingBytes -= (this.#pending.shift() as string).length;
      this.#opts.logger.error({ path: this.path }, 'cdr journal backlog full; dropping its oldest line');
    }
  }

  #scheduleSync(): void {
    this.#syncScheduled = true;
    if (this.#syncing) return;
    this.#syncing = true;
    // After this turn at the earliest, so that the lines of a burst share the fsync.
    const wait = this.#lastSyncAt + SYNC_INTERVAL_MS - performance.now();
    if (wait <= 0) setImmediate(() => this.#backgroundSync());
    else setTimeout(() => this.#backgroundSync(), wait).unref();
  }

  #backgroundSync(): void {
    this.#syncScheduled = false;
    const file = this.#file;
    if (this.#closed || file.closed) {
      this.#syncing = false;
      return;
    }
    this.#lastSyncAt = performance.now();
    file.syncInBackground((err) => {
      this.#syncing = false;
      // A file closed or replaced (compaction, close) meanwhile was synced by whoever replaced it.
      if (this.#closed || file !== this.#file) return;
      if (err !== null) {
        this.#opts.logger.error({ path: this.path, code: errorCode(err) }, 'cdr journal fsync failed');
        this.#setHealth(errorCode(err));
      } else this.#setHealth(null);
      if (this.#syncScheduled) this.#scheduleSync();
    });
  }

  #line(obj: JournalLine): string {
    return JSON.stringify(obj) + '\n';
  }

  #event(meeting: OpenMeeting | undefined, obj: JournalLine): void {
    const line = this.#line(obj);
    if (meeting) meeting.liveBytes += line.length;
    this.#write(line, false, true);
  }

  #ensure(view: MeetingView, at: number): OpenMeeting {
    const cdrId = String(view.cdrId);
    let m = this.#open.get(cdrId);
    if (m === undefined) {
      m = { view, interimSeq: 0, counters: '', roles: new Map(), liveBytes: 0 };
      this.#open.set(cdrId, m);
      this.#event(m, { t: 'start', c: cdrId, m: String(view.meetingId), node: String(view.relayNode), startedAt: view.startedAt, at });
    }
    return m;
  }

  meetingStarted(view: MeetingView): void {
    this.#ensure(view, view.startedAt);
  }

  participantJoined(view: MeetingView, p: ParticipantView, at: number): void {
    const m = this.#ensure(view, at);
    const line: JournalLine = { t: 'join', c: String(view.cdrId), p: String(p.id), role: p.role, at };
    if (this.#opts.includeDisplayNames && typeof p.displayName === 'string' && p.displayName !== '') line.name = p.displayName;
    if (this.#opts.includeIpAddresses && typeof p.remoteAddress === 'string' && p.remoteAddress !== '') line.ip = p.remoteAddress;
    noteRole(m.roles, String(p.id), p.role);
    this.#event(m, line);
  }

  participantLeft(view: MeetingView, p: ParticipantView, reason: LeaveReason, at: number): void {
    const m = this.#ensure(view, at);
    this.#event(m, { t: 'leave', c: String(view.cdrId), p: String(p.id), reason, at });
  }

  /** Records that interim record `seq` of the meeting is in the outbox. */
  interimWritten(cdrId: string, seq: number, at: number): void {
    const m = this.#open.get(cdrId);
    if (m) m.interimSeq = Math.max(m.interimSeq, seq);
    this.#event(m, { t: 'interim', c: cdrId, seq, at });
  }

  /** Cluster mode: the meeting's record id, as its owner relay named it (recovery hands it back with the part). */
  recordIdKnown(cdrId: string, recordId: string, at: number): void {
    const m = this.#open.get(cdrId);
    if (m === undefined || m.recordId === recordId) return;
    m.recordId = recordId;
    this.#event(m, { t: 'rid', c: cdrId, r: recordId, at });
  }

  /** Interim records written so far for an open meeting. */
  interimCount(cdrId: string): number {
    return this.#open.get(cdrId)?.interimSeq ?? 0;
  }

  /**
   * The meeting's final record is durable in the outbox: journal its end and drop the view. Call only after
   * the outbox append succeeded (that order is what makes recovery exactly-once).
   */
  meetingEnded(view: MeetingView, reason: EndReason, endedAt: number): void {
    this.endRecorded(String(view.cdrId), reason, endedAt);
  }

  /** As meetingEnded, by cdrId (for a final record that became durable later). */
  endRecorded(cdrId: string, reason: EndReason, endedAt: number): void {
    this.#open.delete(cdrId);
    this.#write(this.#line({ t: 'end', c: cdrId, reason, at: endedAt }), false, true);
    this.#maybeCompact();
  }

  /**
   * Stops tracking a meeting whose final record is not durable yet: no more heartbeats for it, and the view
   * (which the core is about to forget) is dropped. Its journal entries stay open until endRecorded.
   */
  forget(cdrId: string): void {
    this.#open.delete(cdrId);
  }

  /**
   * Writes the counters of every open meeting that changed, with `now` as the time every open meeting was
   * last known alive; fsyncs. Returns false when the write failed. Writes nothing when no meeting is open.
   */
  heartbeat(now: number = Date.now()): boolean {
    if (this.#open.size === 0) return this.#write(null, true, false);
    const delta: Record<string, JournalCounters> = {};
    const updates: Array<[OpenMeeting, string, Array<[string, Role]>]> = [];
    for (const [cdrId, m] of this.#open) {
      const counters = countersOf(m.view);
      const sum = digest(JSON.stringify(counters));
      const roles: Array<[string, Role]> = [];
      for (const p of m.view.participants.values()) {
        if (journaledRole(m, String(p.id)) !== p.role) roles.push([String(p.id), p.role]);
      }
      if (sum === m.counters && roles.length === 0) continue;
      const entry: JournalCounters = counters;
      if (roles.length > 0) entry.roles = Object.fromEntries(roles);
      delta[cdrId] = entry;
      updates.push([m, sum, roles]);
    }
    const ok = this.#write(this.#line({ t: 'hb', at: now, m: delta }), true, false);
    if (ok) {
      for (const [m, sum, roles] of updates) {
        m.counters = sum;
        for (const [id, role] of roles) noteRole(m.roles, id, role);
      }
      this.#maybeCompact();
    }
    return ok;
  }

  #liveBytes(): number {
    let live = 0;
    for (const m of this.#open.values()) live += m.liveBytes;
    return live;
  }

  #maybeCompact(): void {
    const size = this.#file.size;
    if (size < this.#opts.compactBytes || this.#pending.length > 0) return;
    if ((size - this.#liveBytes()) * 2 < size) return;
    if (Date.now() - this.#compactFailedAt < COMPACT_RETRY_MS) return;
    this.compact();
  }

  /** Rewrites the journal with one snapshot line per open meeting. Returns false when it could not. */
  compact(now: number = Date.now()): boolean {
    if (this.#closed || this.#pending.length > 0) return false;
    const lines: string[] = [];
    const sizes: Array<[OpenMeeting, number, string]> = [];
    for (const [cdrId, m] of this.#open) {
      const v = m.view;
      const counters = countersOf(v);
      const participants: JournalSnapParticipant[] = [];
      for (const p of v.participants.values()) {
        const sp: JournalSnapParticipant = {
          p: String(p.id),
          role: p.role,
          spans: p.spans.map((s) => [s.joinedAt, s.leftAt ?? null, s.leftAt === undefined ? null : (s.leaveReason ?? 'disconnect')]),
        };
        if (this.#opts.includeDisplayNames && typeof p.displayName === 'string' && p.displayName !== '') sp.name = p.displayName;
        if (this.#opts.includeIpAddresses && typeof p.remoteAddress === 'string' && p.remoteAddress !== '') sp.ip = p.remoteAddress;
        participants.push(sp);
      }
      const line = this.#line({
        t: 'snap', at: now, c: cdrId, m: String(v.meetingId), node: String(v.relayNode), startedAt: v.startedAt,
        seq: m.interimSeq, ...counters, ...(m.recordId !== undefined ? { r: m.recordId } : {}), participants,
      });
      lines.push(line);
      sizes.push([m, line.length, digest(JSON.stringify(counters))]);
    }
    const before = this.#file.size;
    try {
      writeFileAtomic(this.path, lines.join(''));
      this.#file.close();
      this.#file = AppendFile.open(this.path);
    } catch (err) {
      this.#compactFailedAt = Date.now();
      this.#opts.logger.warn({ path: this.path, code: errorCode(err) }, 'cdr journal compaction failed; keeping the old file');
      if (this.#file.closed) {
        try {
          this.#file = AppendFile.open(this.path);
        } catch {
          this.#setHealth(errorCode(err));
        }
      }
      return false;
    }
    for (const [m, bytes, counters] of sizes) {
      m.liveBytes = bytes;
      m.counters = counters;
      m.roles = new Map();
      for (const p of m.view.participants.values()) noteRole(m.roles, String(p.id), p.role);
    }
    this.#opts.logger.info({ path: this.path, before, after: this.#file.size, open: this.#open.size }, 'cdr journal compacted');
    return true;
  }

  /** Retries lines that could not be written; true when nothing is pending any more. */
  flush(): boolean {
    if (this.#pending.length === 0) return true;
    return this.#write(null, true, false);
  }

  /**
   * Writes a last heartbeat (meetings still open are recovered at the next start, ending at this moment),
   * fsyncs and closes the file. Idempotent.
   */
  close(now: number = Date.now()): void {
    if (this.#closed) return;
    this.heartbeat(now);
    this.#closed = true;
    try {
      this.#file.sync();
    } catch {
      // Nothing more can be done for a file we are closing.
    }
    this.#file.close();
    this.#open.clear();
  }
}
