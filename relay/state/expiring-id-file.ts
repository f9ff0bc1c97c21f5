/**
 * A durable set of ids, each remembered until its expiry: the relay's memory of single-use token ids and of
 * ended meeting ids across restarts. What reaches disk is a 128-bit SHA-256 digest of each id (namespaced per
 * set) and its expiry time, one line each: never a token, never content, not even the id itself.
 *
 * - Every add is appended and fsync'd before it is reported, so an id the relay acted on survives kill -9.
 * - The file is compacted (rewritten atomically with the live entries only) when it is opened and whenever dead
 *   lines (expired or evicted) outnumber the live ones past a floor; a torn last line from a crash is dropped.
 * - Bounded: at most `maxEntries` live ids. When full, after dropping expired ones, `whenFull` decides: `refuse`
 *   (the add fails: the caller takes the safe side) or `evict-soonest` (the id that would expire first goes).
 * - One process per data folder (the CDR store's lock guarantees it), so there is a single writer.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { AppendFile, ensureDir, writeFileAtomic } from '../cdr/durable-file.js';
import { dirname } from 'node:path';

/** What happens to an add when the set holds `maxEntries` live ids. */
export type WhenFull = 'refuse' | 'evict-soonest';

export interface ExpiringIdFileOptions {
  /** File path (its folder is created owner-only). */
  readonly path: string;
  /** Separates the digests of different sets (e.g. `jti`, `meeting`). */
  readonly namespace: string;
  /** Live ids kept at most. */
  readonly maxEntries: number;
  readonly whenFull: WhenFull;
  /** Dead lines tolerated before a compaction, on top of the live count. Default 1024. */
  readonly compactFloor?: number;
  /** Clock in milliseconds (tests). Default Date.now. */
  readonly now?: () => number;
}

/** Result of an add: newly remembered, already remembered (and live), or refused because the set is full. */
export type AddResult = 'added' | 'present' | 'full';

const LINE = /^([0-9a-f]{32}) (\d{1,16})$/;

/** A durable, bounded, expiring id set. Synchronous: check and insert happen in one event-loop turn. */
export class ExpiringIdFile {
  readonly path: string;
  private readonly namespace: string;
  private readonly maxEntries: number;
  private readonly whenFull: WhenFull;
  private readonly compactFloor: number;
  private readonly now: () => number;
  /** digest -> expiry (unix ms). */
  private live = new Map<string, number>();
  /** Lines in the file (live or not). */
  private lines = 0;
  private file: AppendFile | null;

  /** Opens (creating) the file, drops expired and torn entries, and compacts it. Throws the fs error. */
  constructor(o: ExpiringIdFileOptions) {
    if (!Number.isInteger(o.maxEntries) || o.maxEntries <= 0) throw new Error(`ExpiringIdFile: maxEntries must be a positive integer, got ${String(o.maxEntries)}`);
    this.path = o.path;
    this.namespace = o.namespace;
    this.maxEntries = o.maxEntries;
    this.whenFull = o.whenFull;
    this.compactFloor = o.compactFloor ?? 1024;
    this.now = o.now ?? Date.now;
    ensureDir(dirname(o.path));
    let text = '';
    try {
      text = readFileSync(o.path, 'latin1');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    const t = this.now();
    const complete = text.endsWith('\n') ? text : text.slice(0, text.lastIndexOf('\n') + 1);
    for (const line of complete.split('\n')) {
      const m = LINE.exec(line);
      if (m === null) continue;
      const exp = Number(m[2]);
      if (exp > t) this.live.set(m[1]!, exp);
      else this.live.delete(m[1]!);
    }
    while (this.live.size > this.maxEntries) this.evictSoonest();
    this.file = null;
    this.rewrite();
  }

  /** Live ids (for metrics and tests). */
  get size(): number {
    return this.live.size;
  }

  /** The last id digested and its digest: a join storm asks about the same meeting id thousands of times. */
  private lastId = '';
  private lastKey = '';

  /** The digest written for `id`. */
  private digest(id: string): string {
    if (id === this.lastId && this.lastKey !== '') return this.lastKey;
    const key = createHash('sha256').update(this.namespace).update('\0').update(id).digest('hex').slice(0, 32);
    this.lastId = id;
    this.lastKey = key;
    return key;
  }

  /** True while `id` is remembered and not expired. */
  has(id: string): boolean {
    // Nothing remembered (the common case for meeting ids in a fresh relay): no digest to compute.
    if (this.live.size === 0) return false;
    const key = this.digest(id);
    const exp = this.live.get(key);
    if (exp === undefined) return false;
    if (exp > this.now()) return true;
    this.live.delete(key);
    return false;
  }

  /**
   * Remembers `id` until `expiresAtMs` (durably, before returning). An id already live is `present` (its
   * expiry is extended if the new one is later). Throws the fs error if the line cannot be written and synced
   * (the id is then not remembered).
   */
  add(id: string, expiresAtMs: number): AddResult {
    const file = this.file;
    if (file === null) return 'full';
    const key = this.digest(id);
    const t = this.now();
    const prior = this.live.get(key);
    const wasLive = prior !== undefined && prior > t;
    if (wasLive && expiresAtMs <= prior) return 'present';
    if (!wasLive) {
      if (prior !== undefined) this.live.delete(key);
      // Already expired: nothing worth remembering.
      if (expiresAtMs <= t) return 'added';
      if (this.live.size >= this.maxEntries) this.sweep();
      if (this.live.size >= this.maxEntries) {
        if (this.whenFull === 'refuse') return 'full';
        this.evictSoonest();
      }
    }
    file.append(`${key} ${Math.ceil(expiresAtMs)}\n`, true);
    this.lines++;
    this.live.set(key, Math.ceil(expiresAtMs));
    this.maybeCompact();
    return wasLive ? 'present' : 'added';
  }

  /** Forgets expired ids and compacts the file when enough of it is dead. */
  sweep(): void {
    const t = this.now();
    for (const [key, exp] of this.live) if (exp <= t) this.live.delete(key);
    this.maybeCompact();
  }

  private evictSoonest(): void {
    let soonestKey: string | undefined;
    let soonest = Infinity;
    for (const [key, exp] of this.live) {
      if (exp < soonest) {
        soonest = exp;
        soonestKey = key;
      }
    }
    if (soonestKey !== undefined) this.live.delete(soonestKey);
  }

  private maybeCompact(): void {
    if (this.file !== null && this.lines - this.live.size > Math.max(this.compactFloor, this.live.size)) this.rewrite();
  }

  /** Replaces the file with the live entries (temp + fsync + rename) and reopens it for appends. */
  private rewrite(): void {
    let text = '';
    for (const [key, exp] of this.live) text += `${key} ${exp}\n`;
    this.file?.close();
    this.file = null;
    writeFileAtomic(this.path, text);
    this.file = AppendFile.open(this.path);
    this.lines = this.live.size;
  }

  /** Idempotent. Closes the file; the set refuses adds afterwards. */
  close(): void {
    this.file?.close();
    this.file = null;
  }
}
