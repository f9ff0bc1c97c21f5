/**
 * Small synchronous file primitives for records that must survive a crash: an append-only file whose appends
 * are all-or-nothing (a failed write is truncated away, so no torn line is left for the next append to glue
 * onto), atomic replacement (temp + fsync + rename + directory fsync), and a writability probe.
 */
import {
  closeSync,
  fstatSync,
  fsync,
  fsyncSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readSync,
  renameSync,
  statfsSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { dirname, join } from 'node:path';

/** An append-only file kept open. Appends are synchronous; `sync` fsyncs. Not for concurrent writers. */
export class AppendFile {
  readonly path: string;
  #fd: number | null;
  #size: number;

  private constructor(path: string, fd: number) {
    this.path = path;
    this.#fd = fd;
    this.#size = fstatSync(fd).size;
  }

  /** Opens (creating) `path` for reading and appending. Throws the fs error. */
  static open(path: string, mode = 0o600): AppendFile {
    return new AppendFile(path, openSync(path, 'a+', mode));
  }

  get size(): number {
    return this.#size;
  }

  get closed(): boolean {
    return this.#fd === null;
  }

  #handle(): number {
    if (this.#fd === null) throw Object.assign(new Error(`${this.path} is closed`), { code: 'ERR_CLOSED' });
    return this.#fd;
  }

  /**
   * Appends `data` completely, then fsyncs when `sync`. On any failure the file is cut back to its previous
   * size (a truncate needs no free space) and the error is rethrown.
   */
  append(data: string | Buffer, sync: boolean): void {
    const fd = this.#handle();
    const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    const before = this.#size;
    let written = 0;
    try {
      while (written < buf.length) written += writeSync(fd, buf, written, buf.length - written);
      if (sync) fsyncSync(fd);
    } catch (err) {
      if (written > 0) {
        try {
          ftruncateSync(fd, before);
        } catch {
          // The next open's torn-tail repair covers what this could not undo.
        }
      }
      throw err;
    }
    this.#size = before + buf.length;
  }

  sync(): void {
    fsyncSync(this.#handle());
  }

  /**
   * fsync on libuv's thread pool: the event loop keeps running while the disk flushes (the journal's group
   * commit). `done` gets the error, or null. Lines already appended survive a killed process either way (write(2)
   * has put them in the page cache); fsync is what makes them survive a crash of the machine.
   */
  syncInBackground(done: (err: NodeJS.ErrnoException | null) => void): void {
    if (this.#fd === null) {
      done(Object.assign(new Error(`${this.path} is closed`), { code: 'ERR_CLOSED' }));
      return;
    }
    fsync(this.#fd, done);
  }

  /** Reads `length` bytes at `offset`. */
  read(offset: number, length: number): Buffer {
    const fd = this.#handle();
    const buf = Buffer.allocUnsafe(length);
    let got = 0;
    while (got < length) {
      const n = readSync(fd, buf, got, length - got, offset + got);
      if (n === 0) break;
      got += n;
    }
    return got === length ? buf : buf.subarray(0, got);
  }

  readAll(): Buffer {
    return this.read(0, this.#size);
  }

  /** Cuts the file to `size` bytes (torn-tail repair). */
  truncate(size: number): void {
    const fd = this.#handle();
    ftruncateSync(fd, size);
    fsyncSync(fd);
    this.#size = size;
  }

  /** Idempotent. */
  close(): void {
    if (this.#fd === null) return;
    const fd = this.#fd;
    this.#fd = null;
    try {
      closeSync(fd);
    } catch {
      // Already gone; nothing to release.
    }
  }
}

/** fsyncs a directory so a rename or a new file in it survives a crash. */
export function fsyncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // Some file systems cannot fsync directories; the rename itself is still atomic there.
    if (code !== 'EINVAL' && code !== 'EISDIR' && code !== 'ENOTSUP') throw err;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

let tmpCounter = 0;

/** Replaces `path` atomically: write a temp file beside it, fsync, rename over, fsync the directory. */
export function writeFileAtomic(path: string, data: string | Buffer, mode = 0o600): void {
  const tmp = `${path}.tmp-${process.pid}-${++tmpCounter}`;
  const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  let fd: number | undefined;
  try {
    fd = openSync(tmp, 'w', mode);
    let written = 0;
    while (written < buf.length) written += writeSync(fd, buf, written, buf.length - written);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(tmp, path);
  } catch (err) {
    if (fd !== undefined) {
      try {
        closeSync(fd);
      } catch {
        // Closing a failed temp file cannot be helped.
      }
    }
    try {
      unlinkSync(tmp);
    } catch {
      // The temp file may not exist.
    }
    throw err;
  }
  fsyncDir(dirname(path));
}

/** Creates a folder (and parents) with owner-only access. */
export function ensureDir(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (err) {
    // Recursive mkdir reports ENOENT for a read-only or forbidden parent; a plain mkdir names the real cause.
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    mkdirSync(dir, { mode: 0o700 });
  }
}

/** Proves `dir` accepts a small durable write: create, write, fsync, remove. Throws the fs error. */
export function probeWritable(dir: string): void {
  const path = join(dir, `.probe-${process.pid}`);
  const fd = openSync(path, 'w', 0o600);
  try {
    writeSync(fd, Buffer.alloc(512));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
    try {
      unlinkSync(path);
    } catch {
      // A leftover probe file is harmless and overwritten next time.
    }
  }
}

/** Free bytes available to this user on the file system holding `dir`. */
export function freeBytes(dir: string): number {
  const s = statfsSync(dir);
  return Number(s.bavail) * Number(s.bsize);
}

/**
 * Splits a JSON-lines buffer into complete lines with their byte offsets. `tornAt` is the offset of a last
 * line without its newline (a write cut by a crash), or -1.
 */
export function splitLines(buf: Buffer): { lines: Array<{ offset: number; length: number; text: string }>; tornAt: number } {
  const lines: Array<{ offset: number; length: number; text: string }> = [];
  let start = 0;
  for (;;) {
    const nl = buf.indexOf(0x0a, start);
    if (nl === -1) break;
    if (nl > start) lines.push({ offset: start, length: nl + 1 - start, text: buf.toString('utf8', start, nl) });
    start = nl + 1;
  }
  return { lines, tornAt: start < buf.length ? start : -1 };
}
