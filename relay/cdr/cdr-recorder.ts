/**
 * The CDR recorder: the MeetingObserver the relay registers. It journals meeting metadata for crash recovery,
 * writes interim records for long meetings, and at a meeting's end builds the final record and appends it to
 * the outbox with fsync before returning (a record is durable before the core forgets the meeting). Sinks
 * deliver from the outbox in the background. ready() is false whenever a record could not be made durable.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { EndReason, LeaveReason, MeetingView, ParticipantView } from '../meeting/meeting.types.js';
import { buildCdr, buildInterimCdr } from './build-cdr.js';
import { CdrError, CdrStartupError, errorCode, type CdrErrorCode } from './cdr-errors.js';
import { resolveCdrOptions, type ResolvedCdrOptions, type ResolvedSink } from './cdr-options.js';
import type { CdrOptions, CdrPaths, CdrRecord, CdrRecorder, CdrStats } from './cdr.types.js';
import { acquireDataDirLock, type DataDirLock } from './data-dir-lock.js';
import { ensureDir, freeBytes, probeWritable } from './durable-file.js';
import { FailedStore } from './failed-store.js';
import { Journal } from './journal.js';
import { recoverJournal } from './journal-recovery.js';
import { Outbox } from './outbox.js';
import { SinkRunner } from './sink-runner.js';
import { FileSink } from './sinks/file-sink.js';
import type { CdrSink } from './sinks/sink.types.js';
import { StdoutSink } from './sinks/stdout-sink.js';
import { WebhookSink } from './sinks/webhook-sink.js';

/** While not ready, pending records and probes are retried this often. */
const UNHEALTHY_TICK_MS = 1_000;

interface LiveMeeting {
  view: MeetingView;
  interimSeq: number;
  timer: NodeJS.Timeout | null;
}

interface PendingFinal {
  record: CdrRecord;
  reason: EndReason;
  endedAt: number;
}

/** Runs `fn`; any failure becomes a CdrStartupError naming `path`. */
function step<T>(action: string, path: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof CdrError) throw err;
    throw new CdrStartupError(path, `${action} failed (${errorCode(err)})`, { cause: err });
  }
}

function createSink(s: ResolvedSink): CdrSink {
  switch (s.type) {
    case 'file':
      return step('opening the CDR file', s.path, () => {
        mkdirSync(dirname(s.path), { recursive: true, mode: 0o700 });
        return new FileSink(s.name, s.path);
      });
    case 'webhook':
      return new WebhookSink(s);
    case 'stdout':
      return new StdoutSink(s.name);
  }
}

class Recorder implements CdrRecorder {
  readonly paths: CdrPaths;
  readonly recovered: readonly string[];
  readonly recoveredParts: ReadonlyArray<{ readonly record: CdrRecord; readonly recordId?: string }>;
  readonly #opts: ResolvedCdrOptions;
  readonly #outbox: Outbox;
  readonly #journal: Journal;
  readonly #runners: readonly SinkRunner[];
  readonly #lock: DataDirLock;
  #meetings = new Map<string, LiveMeeting>();
  #pending: PendingFinal[] = [];
  #outboxError: string | null = null;
  #probeError: string | null = null;
  #diskLow = false;
  #tick: NodeJS.Timeout | null = null;
  #tickDue = 0;
  #compactScheduled = false;
  #closing: Promise<void> | null = null;
  #counts = { written: 0, final: 0, interim: 0, recovered: 0 };

  constructor(
    opts: ResolvedCdrOptions,
    parts: { outbox: Outbox; journal: Journal; runners: SinkRunner[]; lock: DataDirLock; recovered: string[]; recoveredParts: Array<{ record: CdrRecord; recordId?: string }> },
  ) {
    this.recoveredParts = Object.freeze(parts.recoveredParts);
    this.paths = opts.paths;
    this.#opts = opts;
    this.#outbox = parts.outbox;
    this.#journal = parts.journal;
    this.#runners = Object.freeze(parts.runners);
    this.#lock = parts.lock;
    this.recovered = Object.freeze(parts.recovered);
    this.#counts.recovered = parts.recovered.length;
    this.#counts.written = parts.recovered.length;
    this.#counts.final = parts.recovered.length;
  }

  static start(opts: ResolvedCdrOptions): Recorder {
    const { paths, logger } = opts;
    step('creating the CDR folder', paths.dir, () => {
      ensureDir(paths.dir);
      ensureDir(paths.cursors);
    });
    step('writing a test file', paths.dir, () => probeWritable(paths.dir));
    const lock = step('taking the lock', paths.lock, () => acquireDataDirLock(paths.lock));
    const opened: Array<{ close(): void }> = [];
    try {
      const outbox = step('opening the outbox', paths.outbox, () => Outbox.open(paths.outbox, logger));
      opened.push(outbox);
      const recovery = step('recovering the journal into the outbox', paths.journal, () =>
        recoverJournal({
          journalPath: paths.journal,
          outbox,
          includeDisplayNames: opts.includeDisplayNames,
          includeIpAddresses: opts.includeIpAddresses,
          logger,
          handOff: opts.handOff,
        }),
      );
      let recorder: Recorder | null = null;
      const journal = step('opening the journal', paths.journal, () =>
        Journal.open({
          path: paths.journal,
          includeDisplayNames: opts.includeDisplayNames,
          includeIpAddresses: opts.includeIpAddresses,
          compactBytes: opts.journalCompactBytes,
          logger,
          onHealth: (error) => {
            if (recorder) recorder.#onJournalHealth(error);
          },
        }),
      );
      opened.push(journal);
      // Cluster mode: recovered parts stay open in the new journal until the owner relay recorded them.
      for (const h of recovery.handedOff) {
        journal.meetingStarted(h.view);
        if (h.recordId !== undefined) journal.recordIdKnown(h.record.cdrId, h.recordId, Date.now());
        for (const p of h.view.participants.values()) {
          for (const span of p.spans) {
            journal.participantJoined(h.view, p, span.joinedAt);
            journal.participantLeft(h.view, p, span.leaveReason ?? 'relay_failure', span.leftAt ?? span.joinedAt);
          }
        }
      }
      const sinks = opts.sinks.map((s) => {
        const sink = createSink(s);
        opened.push(sink);
        return sink;
      });
      const runners = sinks.map(
        (sink) =>
          new SinkRunner(sink, {
            outbox,
            cursorPath: paths.cursor(sink.name),
            failed: new FailedStore(paths.failed(sink.name), sink.name),
            logger,
            onAck: () => {
              if (recorder) recorder.#scheduleCompaction();
            },
          }),
      );
      for (const r of runners) outbox.raiseFloor(r.acked);
      recorder = new Recorder(opts, { outbox, journal, runners, lock, recovered: recovery.recovered.map((r) => r.cdrId), recoveredParts: recovery.handedOff.map((h) => (h.recordId !== undefined ? { record: h.record, recordId: h.recordId } : { record: h.record })) });
      const rec = recorder;
      outbox.onAppend(() => {
        for (const r of rec.#runners) r.wake();
      });
      for (const r of runners) r.start();
      rec.#checkDisk();
      rec.#schedule();
      logger.info(
        { dir: paths.dir, sinks: runners.map((r) => r.sink.name), backlog: outbox.count, recovered: rec.recovered.length },
        'cdr recorder started',
      );
      return rec;
    } catch (err) {
      for (const o of opened.reverse()) o.close();
      lock.release();
      throw err;
    }
  }

  // ---- MeetingObserver (called synchronously by the core; never throws into it) ----

  meetingStarted(view: MeetingView): void {
    if (this.#closing) return;
    try {
      const cdrId = String(view.cdrId);
      if (this.#meetings.has(cdrId)) return;
      const live: LiveMeeting = { view, interimSeq: 0, timer: null };
      // Cluster mode: the owner relay writes the meeting's interim records.
      const every = this.#opts.handOff ? 0 : this.#opts.interimIntervalMs;
      if (every > 0) {
        live.timer = setInterval(() => this.#interim(cdrId), every);
        live.timer.unref();
      }
      this.#meetings.set(cdrId, live);
      this.#journal.meetingStarted(view);
    } catch (err) {
      this.#opts.logger.error({ code: errorCode(err) }, 'cdr recorder: meetingStarted failed');
    }
  }

  participantJoined(view: MeetingView, participant: ParticipantView, at: number): void {
    if (this.#closing) return;
    try {
      if (!this.#meetings.has(String(view.cdrId))) this.meetingStarted(view);
      this.#journal.participantJoined(view, participant, at);
    } catch (err) {
      this.#opts.logger.error({ code: errorCode(err) }, 'cdr recorder: participantJoined failed');
    }
  }

  participantLeft(view: MeetingView, participant: ParticipantView, reason: LeaveReason, at: number): void {
    if (this.#closing) return;
    try {
      this.#journal.participantLeft(view, participant, reason, at);
    } catch (err) {
      this.#opts.logger.error({ code: errorCode(err) }, 'cdr recorder: participantLeft failed');
    }
  }

  meetingEnded(view: MeetingView, reason: EndReason, endedAt: number): void {
    if (this.#closing) {
      this.#opts.logger.error({ cdrId: String(view.cdrId) }, 'cdr recorder closed before a meeting ended; the next start recovers it');
      return;
    }
    try {
      const cdrId = String(view.cdrId);
      const live = this.#meetings.get(cdrId);
      if (live?.timer) clearInterval(live.timer);
      this.#meetings.delete(cdrId);
      // Cluster mode: the owner relay writes the meeting's record; the journal keeps this part until partRecorded.
      if (this.#opts.handOff) return;
      const record = buildCdr(view, reason, endedAt, {
        sequence: (live?.interimSeq ?? 0) + 1,
        includeDisplayNames: this.#opts.includeDisplayNames,
        includeIpAddresses: this.#opts.includeIpAddresses,
      });
      // Outbox first, journal end second: recovery relies on that order for exactly-once.
      if (this.#pending.length === 0 && this.#append(record)) {
        this.#journal.meetingEnded(view, reason, endedAt);
        return;
      }
      this.#pending.push({ record, reason, endedAt });
      this.#journal.forget(cdrId);
      this.#schedule();
    } catch (err) {
      this.#opts.logger.error({ cdrId: String(view.cdrId), code: errorCode(err) }, 'cdr recorder: meetingEnded failed');
    }
  }

  // ---- cluster mode (handOff) ----

  partRecorded(cdrId: string, reason: EndReason, endedAt: number): void {
    try {
      this.#journal.endRecorded(cdrId, reason, endedAt);
    } catch (err) {
      this.#opts.logger.error({ cdrId, code: errorCode(err) }, 'cdr recorder: partRecorded failed');
    }
  }

  recordIdKnown(cdrId: string, recordId: string): void {
    try {
      this.#journal.recordIdKnown(cdrId, recordId, Date.now());
    } catch (err) {
      this.#opts.logger.error({ cdrId, code: errorCode(err) }, 'cdr recorder: recordIdKnown failed');
    }
  }

  buildPart(view: MeetingView, reason: EndReason | null, at: number): CdrRecord {
    const o = { includeDisplayNames: this.#opts.includeDisplayNames, includeIpAddresses: this.#opts.includeIpAddresses };
    return reason === null ? buildInterimCdr(view, 1, at, o) : buildCdr(view, reason, at, o);
  }

  appendRecord(record: CdrRecord): boolean {
    if (this.#closing) return false;
    if (!this.#append(record)) {
      this.#schedule();
      return false;
    }
    return true;
  }

  // ---- records ----

  /** Appends with fsync; false (and not ready) when the outbox cannot be written. */
  #append(record: CdrRecord): boolean {
    try {
      this.#outbox.append(record);
    } catch (err) {
      const code = errorCode(err);
      if (this.#outboxError === null) {
        this.#opts.logger.error({ id: record.id, code, path: this.#outbox.path }, 'cdr outbox write failed; the record is kept and retried');
      }
      this.#outboxError = code;
      return false;
    }
    this.#outboxError = null;
    this.#counts.written++;
    if (record.partial) this.#counts.interim++;
    else this.#counts.final++;
    return true;
  }

  #interim(cdrId: string): void {
    const live = this.#meetings.get(cdrId);
    if (!live || this.#closing) return;
    try {
      const seq = live.interimSeq + 1;
      const at = Date.now();
      const record = buildInterimCdr(live.view, seq, at, {
        includeDisplayNames: this.#opts.includeDisplayNames,
        includeIpAddresses: this.#opts.includeIpAddresses,
      });
      // An interim record that cannot be written is skipped; the final one still comes.
      if (!this.#append(record)) {
        this.#schedule();
        return;
      }
      live.interimSeq = seq;
      this.#journal.interimWritten(cdrId, seq, at);
    } catch (err) {
      this.#opts.logger.error({ cdrId, code: errorCode(err) }, 'cdr recorder: interim record failed');
    }
  }

  #flushPending(): void {
    while (this.#pending.length > 0) {
      const p = this.#pending[0] as PendingFinal;
      if (!this.#append(p.record)) return;
      this.#pending.shift();
      this.#journal.endRecorded(p.record.cdrId, p.reason, p.endedAt);
      this.#opts.logger.info({ id: p.record.id }, 'cdr record made durable after a retry');
    }
  }

  // ---- health ----

  #onJournalHealth(error: string | null): void {
    if (error !== null) this.#schedule();
  }

  #checkDisk(): void {
    try {
      probeWritable(this.paths.dir);
      if (this.#probeError !== null) this.#opts.logger.info({ dir: this.paths.dir }, 'cdr folder writable again');
      this.#probeError = null;
    } catch (err) {
      if (this.#probeError === null) this.#opts.logger.error({ dir: this.paths.dir, code: errorCode(err) }, 'cdr folder not writable');
      this.#probeError = errorCode(err);
    }
    try {
      const low = this.#opts.minFreeBytes > 0 && freeBytes(this.paths.dir) < this.#opts.minFreeBytes;
      if (low && !this.#diskLow) this.#opts.logger.error({ dir: this.paths.dir, minFreeBytes: this.#opts.minFreeBytes }, 'cdr folder low on space');
      this.#diskLow = low;
    } catch {
      // statfs unsupported: the probe and real writes still catch a full disk.
    }
  }

  #onTick(): void {
    this.#tick = null;
    if (this.#closing) return;
    this.#flushPending();
    this.#journal.flush();
    this.#journal.heartbeat();
    if (this.#outboxError !== null && this.#pending.length === 0) this.#outboxError = null;
    this.#checkDisk();
    this.#schedule();
  }

  /** (Re)arms the tick: every heartbeatMs, or every second while not ready. */
  #schedule(): void {
    if (this.#closing) return;
    const delay = this.ready() ? this.#opts.heartbeatMs : Math.min(UNHEALTHY_TICK_MS, this.#opts.heartbeatMs);
    const due = Date.now() + delay;
    if (this.#tick !== null) {
      if (this.#tickDue <= due) return;
      clearTimeout(this.#tick);
    }
    this.#tickDue = due;
    this.#tick = setTimeout(() => this.#onTick(), delay);
    this.#tick.unref();
  }

  notReadyReason(): CdrErrorCode | null {
    if (this.#closing) return 'CDR_ERR_CLOSED';
    if (this.#pending.length > 0 || this.#outboxError !== null) return 'CDR_ERR_OUTBOX_WRITE';
    if (!this.#journal.healthy) return 'CDR_ERR_JOURNAL_WRITE';
    if (this.#probeError !== null) return 'CDR_ERR_NOT_WRITABLE';
    if (this.#diskLow) return 'CDR_ERR_DISK_LOW';
    return null;
  }

  ready(): boolean {
    return this.notReadyReason() === null;
  }

  // ---- outbox compaction ----

  #scheduleCompaction(): void {
    if (this.#compactScheduled) return;
    this.#compactScheduled = true;
    setImmediate(() => {
      this.#compactScheduled = false;
      this.#compact(false);
    });
  }

  #compact(force: boolean): void {
    // A final record whose journal end is not written yet must stay in the outbox for the exactly-once check.
    if (this.#pending.length > 0 || this.#runners.length === 0 || this.#outbox.count === 0) return;
    let acked = Infinity;
    for (const r of this.#runners) acked = Math.min(acked, r.acked);
    const all = acked >= this.#outbox.lastN;
    const bytes = this.#outbox.droppableBytes(acked);
    if (!(all || bytes >= this.#opts.outboxCompactBytes || (force && bytes > 0))) return;
    try {
      this.#outbox.compact(acked);
    } catch (err) {
      this.#opts.logger.warn({ path: this.#outbox.path, code: errorCode(err) }, 'cdr outbox compaction failed; keeping the old file');
    }
  }

  // ---- stats and close ----

  stats(): CdrStats {
    const now = Date.now();
    const sinks = this.#runners.map((r) => r.stats(now));
    let backlog = 0;
    let oldest = 0;
    let failed = 0;
    if (sinks.length > 0) {
      let acked = Infinity;
      for (const r of this.#runners) acked = Math.min(acked, r.acked);
      backlog = this.#outbox.countAfter(acked);
    }
    for (const s of sinks) {
      oldest = Math.max(oldest, s.oldestUndeliveredAgeSeconds);
      failed += s.failed;
    }
    return {
      ready: this.ready(),
      recordsWritten: this.#counts.written,
      finalRecordsWritten: this.#counts.final,
      interimRecordsWritten: this.#counts.interim,
      recoveredRecords: this.#counts.recovered,
      backlog,
      oldestUndeliveredAgeSeconds: oldest,
      failed,
      pendingRecords: this.#pending.length,
      openMeetings: this.#meetings.size,
      sinks,
    };
  }

  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    const { logger } = this.#opts;
    if (this.#tick) clearTimeout(this.#tick);
    this.#tick = null;
    for (const m of this.#meetings.values()) if (m.timer) clearInterval(m.timer);
    this.#flushPending();
    if (this.#pending.length > 0) {
      logger.error({ ids: this.#pending.map((p) => p.record.id) }, 'cdr records not durable at close; the next start recovers them from the journal');
    }
    if (this.#meetings.size > 0) {
      logger.warn({ open: this.#meetings.size }, 'cdr recorder closed with meetings open; the next start recovers them');
    }
    this.#meetings.clear();
    this.#journal.close();
    await Promise.all(this.#runners.map((r) => r.close(this.#opts.closeTimeoutMs)));
    this.#compact(true);
    this.#outbox.close();
    this.#lock.release();
    logger.info({ dir: this.paths.dir }, 'cdr recorder closed');
  }
}

/**
 * Starts the CDR recorder: validates the options (CdrOptionsError), creates the folders and proves they are
 * writable, takes the folder lock, recovers the journal of an unclean stop, and resumes delivery. Throws
 * CdrStartupError naming the path when the store cannot be used: the relay must refuse to start then.
 */
export async function createCdrRecorder(options: CdrOptions): Promise<CdrRecorder> {
  return Recorder.start(resolveCdrOptions(options));
}
