/**
 * One process per CDR folder. A second relay on the same folder would "recover" the first one's live
 * meetings as crashed and interleave its outbox, so startup takes `<dataDir>/cdr/lock` (the holder's pid). A
 * lock whose process is gone (kill -9) is taken over.
 */
import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { CdrStartupError } from './cdr-errors.js';
import { writeFileAtomic } from './durable-file.js';

/** Folders locked by this process (a second recorder in the same process is refused too). */
const HELD = new Set<string>();

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface DataDirLock {
  readonly path: string;
  /** Idempotent. */
  release(): void;
}

/** Takes the lock at `path`. Throws CdrStartupError (code CDR_ERR_LOCKED) when a live process holds it. */
export function acquireDataDirLock(path: string): DataDirLock {
  if (HELD.has(path)) {
    throw new CdrStartupError(path, 'this process already runs a CDR recorder on this folder', { code: 'CDR_ERR_LOCKED' });
  }
  const content = JSON.stringify({ pid: process.pid, host: hostname(), since: new Date().toISOString() }) + '\n';
  try {
    const fd = openSync(path, 'wx', 0o600);
    try {
      writeSync(fd, content);
    } finally {
      closeSync(fd);
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    let pid = 0;
    try {
      pid = Number((JSON.parse(readFileSync(path, 'utf8')) as { pid?: unknown }).pid) || 0;
    } catch {
      // An unreadable lock (torn by a crash) is stale.
    }
    if (pid > 0 && pid !== process.pid && alive(pid)) {
      throw new CdrStartupError(path, `the CDR folder is in use by process ${pid} (stop it, or give this relay its own data folder)`, {
        code: 'CDR_ERR_LOCKED',
      });
    }
    writeFileAtomic(path, content);
  }
  HELD.add(path);
  let released = false;
  return {
    path,
    release() {
      if (released) return;
      released = true;
      HELD.delete(path);
      try {
        const holder = (JSON.parse(readFileSync(path, 'utf8')) as { pid?: unknown }).pid;
        if (holder === process.pid) unlinkSync(path);
      } catch {
        // Already gone.
      }
    },
  };
}
