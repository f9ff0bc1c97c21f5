/**
 * The outbox: every record (final, interim, recovered) is appended here and fsync'd before any sink sees it.
 * Sinks read from it by position number `n` (monotonic across compactions) and acknowledge through their
 * cursors; once every sink has acknowledged a prefix, compaction rewrites the file without it.
 *
 * Line format (internal): `{"n":12,"at":<unix ms>,"record":{...}}`; after a compaction the first line is
 * `{"n":<highest dropped n>,"compacted":true}` so numbering never restarts.
 */
import type { CdrLogger, CdrRecord } from './cdr.types.js';
import { AppendFile, splitLines, writeFileAtomic } from './durable-file.js';

export interface OutboxEntry {
  /** Position number, strictly increasing, never reused. */
  readonly n: number;
  /** Unix ms when the record was appended. */
  readonly at: number;
  readonly id: string;
  readonly cdrId: string;
  readonly partial: boolean;
  readonly offset: number;
  readonly length: number;
}

/** An entry read back with its record and the exact JSON body that sinks deliver. */
export interface OutboxItem {
  readonly n: number;
  readonly at: number;
  readonly id: string;
  readonly record: CdrRecord;
  readonly body: string;
}

interface OutboxLine {
  n?: unknown;
  at?: unknown;
  compacted?: unknown;
  record?: { id?: unknown; cdrId?: unknown; partial?: unknown };
}

export class Outbox {
  readonly path: string;
  #file: AppendFile;
  #entries: OutboxEntry[] = [];
  #finals = new Map<string, number>();
  #floor = 0;
  #next = 1;
  #listeners: Array<() => void> = [];
  #logger: CdrLogger;

  private constructor(path: string, file: AppendFile, logger: CdrLogger) {
    this.path = path;
    this.#file = file;
    this.#logger = logger;
  }

  /**
   * Opens (creating) the outbox and indexes it. A torn last line (a write cut by a crash) is cut off; a
   * corrupt line elsewhere is skipped with a warning. Throws the fs error when the file cannot be opened.
   */
  static open(path: string, logger: CdrLogger): Outbox {
    const file = AppendFile.open(path);
    const box = new Outbox(path, file, logger);
    try {
      box.#load();
    } catch (err) {
      file.close();
      throw err;
    }
    return box;
  }

  #load(): void {
    const { lines, tornAt } = splitLines(this.#file.readAll());
    if (tornAt !== -1) {
      this.#logger.warn({ path: this.path, offset: tornAt }, 'cdr outbox: cutting a torn last line left by a crash');
      this.#file.truncate(tornAt);
    }
    let corrupt = 0;
    for (const line of lines) {
      let parsed: OutboxLine;
      try {
        parsed = JSON.parse(line.text) as OutboxLine;
      } catch {
        corrupt++;
        continue;
      }
      const n = parsed.n;
      if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 1) {
        corrupt++;
        continue;
      }
      if (parsed.compacted === true) {
        this.#floor = Math.max(this.#floor, n);
        continue;
      }
      const r = parsed.record;
      if (!r || typeof r.id !== 'string' || typeof r.cdrId !== 'string' || typeof parsed.at !== 'number') {
        corrupt++;
        continue;
      }
      const last = this.#entries[this.#entries.length - 1];
      if (last !== undefined && n <= last.n) {
        corrupt++;
        continue;
      }
      const partial = r.partial === true;
      this.#entries.push({ n, at: parsed.at, id: r.id, cdrId: r.cdrId, partial, offset: line.offset, length: line.length });
      if (!partial) this.#finals.set(r.cdrId, n);
    }
    if (corrupt > 0) this.#logger.warn({ path: this.path, lines: corrupt }, 'cdr outbox: skipped unreadable lines');
    this.#next = Math.max(this.#floor, this.#entries[this.#entries.length - 1]?.n ?? 0) + 1;
  }

  /** Highest position number ever used (0 when none). */
  get lastN(): number {
    return this.#next - 1;
  }

  /** Position of the first entry still in the file minus one (everything at or below was compacted away). */
  get floor(): number {
    return this.#floor;
  }

  get size(): number {
    return this.#file.size;
  }

  /** Entries currently in the file. */
  get count(): number {
    return this.#entries.length;
  }

  /** Makes the next position number greater than `n` (cursors may know of positions the file no longer has). */
  raiseFloor(n: number): void {
    if (n >= this.#next) this.#next = n + 1;
  }

  /** Called after every successful append (sinks wake up). */
  onAppend(listener: () => void): void {
    this.#listeners.push(listener);
  }

  /**
   * Appends one record and fsyncs before returning. Throws the fs error (ENOSPC, EROFS...) and leaves the file
   * as it was: the caller keeps the record and retries.
   */
  append(record: CdrRecord, at: number = Date.now()): OutboxEntry {
    const n = this.#next;
    const line = Buffer.from(`{"n":${n},"at":${at},"record":${JSON.stringify(record)}}\n`, 'utf8');
    const offset = this.#file.size;
    this.#file.append(line, true);
    this.#next = n + 1;
    const entry: OutboxEntry = { n, at, id: record.id, cdrId: record.cdrId, partial: record.partial, offset, length: line.length };
    this.#entries.push(entry);
    if (!record.partial) this.#finals.set(record.cdrId, n);
    for (const l of this.#listeners) l();
    return entry;
  }

  /** True when a final record of `cdrId` is in the outbox (crash recovery's exactly-once check). */
  hasFinal(cdrId: string): boolean {
    return this.#finals.has(cdrId);
  }

  #indexAfter(n: number): number {
    let lo = 0;
    let hi = this.#entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.#entries[mid] as OutboxEntry).n <= n) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Up to `max` entries with a position above `n`, oldest first. */
  after(n: number, max: number): OutboxEntry[] {
    const i = this.#indexAfter(n);
    return this.#entries.slice(i, i + max);
  }

  /** Number of entries with a position above `n`. */
  countAfter(n: number): number {
    return this.#entries.length - this.#indexAfter(n);
  }

  /** Every entry in the file, oldest first (a copy). */
  entries(): OutboxEntry[] {
    return this.#entries.slice();
  }

  /** Reads an entry's record back from disk. */
  read(entry: OutboxEntry): OutboxItem {
    const text = this.#file.read(entry.offset, entry.length).toString('utf8');
    const parsed = JSON.parse(text) as { record: CdrRecord };
    return { n: entry.n, at: entry.at, id: entry.id, record: parsed.record, body: JSON.stringify(parsed.record) };
  }

  /** Bytes that compacting up to `n` would drop. */
  droppableBytes(n: number): number {
    const i = this.#indexAfter(n);
    const first = this.#entries[i];
    return first === undefined ? this.#file.size : first.offset;
  }

  /**
   * Rewrites the file without the entries at or below `n` (all sinks acknowledged them): temp file, fsync,
   * rename. Throws the fs error and leaves the old file in place when it cannot.
   */
  compact(n: number): void {
    const i = this.#indexAfter(n);
    if (i === 0) return;
    const dropped = this.#entries[i - 1] as OutboxEntry;
    const keep = this.#entries.slice(i);
    const floor = Math.max(this.#floor, dropped.n);
    const head = Buffer.from(`{"n":${floor},"compacted":true}\n`, 'utf8');
    const parts: Buffer[] = [head];
    const moved: OutboxEntry[] = [];
    let offset = head.length;
    for (const e of keep) {
      parts.push(this.#file.read(e.offset, e.length));
      moved.push({ ...e, offset });
      offset += e.length;
    }
    writeFileAtomic(this.path, Buffer.concat(parts));
    this.#file.close();
    this.#file = AppendFile.open(this.path);
    this.#entries = moved;
    this.#floor = floor;
    this.#finals.clear();
    for (const e of moved) if (!e.partial) this.#finals.set(e.cdrId, e.n);
    this.#logger.info({ path: this.path, dropped: i, kept: moved.length }, 'cdr outbox compacted');
  }

  /** Idempotent. */
  close(): void {
    this.#file.close();
    this.#listeners = [];
  }
}
