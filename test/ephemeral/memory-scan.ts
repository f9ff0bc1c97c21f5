/**
 * Reads another process's memory (root, or the same user with ptrace permission: /proc/PID/mem) and finds byte
 * strings in it. The process should be stopped (SIGSTOP) while it is scanned, so that it reads consistently.
 * Only the writable private mappings are scanned: the heap (brk), anonymous mappings (V8's heap, malloc arenas of
 * other threads, large allocations, uWS buffers) and data segments; file-backed read-only code cannot hold what
 * the process received.
 */
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';

export interface Mapping {
  readonly start: number;
  readonly end: number;
  readonly perms: string;
  readonly path: string;
}

export interface Hit {
  /** Address of the match. */
  readonly address: number;
  /** Index of the needle that matched. */
  readonly needle: number;
  readonly mapping: Mapping;
  /** Up to 48 bytes before the match (to tell what structure holds it). */
  readonly before: Buffer;
}

/** The memory mappings of a process (/proc/PID/maps). */
export function mappings(pid: number): Mapping[] {
  return readFileSync(`/proc/${pid}/maps`, 'utf8')
    .trim()
    .split('\n')
    .map((line) => {
      const m = /^([0-9a-f]+)-([0-9a-f]+)\s+(\S+)\s+\S+\s+\S+\s+\S+\s*(.*)$/.exec(line);
      if (m === null) throw new Error(`unexpected maps line: ${line}`);
      return { start: parseInt(m[1]!, 16), end: parseInt(m[2]!, 16), perms: m[3]!, path: m[4]! };
    });
}

/** True for the mappings scanned: readable, writable and private. */
export function isWritablePrivate(m: Mapping): boolean {
  return m.perms.startsWith('rw') && m.perms[3] === 'p';
}

/** A short name for a mapping: [heap], [stack], the file, or anon (with its size). */
export function mappingName(m: Mapping): string {
  const size = `${Math.round((m.end - m.start) / 1024)} KiB`;
  return `${m.path === '' ? 'anon' : m.path} ${size}`;
}

/** Scans the writable private memory of `pid` for every needle; returns the hits and the bytes read. */
export function scanProcessMemory(pid: number, needles: readonly Buffer[]): { hits: Hit[]; bytes: number } {
  const fd = openSync(`/proc/${pid}/mem`, 'r');
  const hits: Hit[] = [];
  let bytes = 0;
  const CHUNK = 4 * 1024 * 1024;
  const overlap = Math.max(...needles.map((n) => n.length)) + 48;
  const buf = Buffer.alloc(CHUNK + overlap);
  try {
    for (const m of mappings(pid).filter(isWritablePrivate)) {
      for (let pos = m.start; pos < m.end; pos += CHUNK) {
        const want = Math.min(CHUNK + overlap, m.end - pos);
        let got = 0;
        try {
          got = readSync(fd, buf, 0, want, pos);
        } catch {
          // A guard page or a mapping that went away: nothing to read there.
          break;
        }
        bytes += Math.min(got, CHUNK);
        const view = buf.subarray(0, got);
        needles.forEach((needle, i) => {
          for (let at = view.indexOf(needle); at >= 0 && at < CHUNK; at = view.indexOf(needle, at + 1)) {
            hits.push({ address: pos + at, needle: i, mapping: m, before: Buffer.from(view.subarray(Math.max(0, at - 48), at)) });
          }
        });
      }
    }
  } finally {
    closeSync(fd);
  }
  return { hits, bytes };
}
