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

/** The glibc malloc chunk a hit lies in. */
export interface HeapChunk {
  /** Address of the chunk header (the user data starts 16 bytes later). */
  readonly start: number;
  /** Chunk size, header included. */
  readonly size: number;
  /** Allocated or free (from the next chunk's PREV_INUSE bit, and tcache entries by their key; the top chunk
   * counts as free; mmapped ones are always allocated: glibc unmaps them when they are freed). Fastbin entries
   * cannot be told from allocated chunks. */
  readonly inUse: boolean;
  /** Allocated by glibc with mmap (large allocations) rather than from the main heap. */
  readonly mmapped: boolean;
}

function readMapping(fd: number, m: Mapping): Buffer {
  const bytes = Buffer.alloc(m.end - m.start);
  readSync(fd, bytes, 0, bytes.length, m.start);
  return bytes;
}

/** Largest chunk size glibc's per-thread cache (tcache) holds (64 bins up to 1032 bytes of user data). */
const TCACHE_MAX_CHUNK = 0x410;

/**
 * Walks glibc's main heap: contiguous chunks from the start of [heap], each with its size in its second word.
 * A chunk in the tcache keeps the PREV_INUSE bit of its neighbour set, so it looks allocated; its second user word
 * holds the process's random `tcache_key` (glibc 2.34 and later), which tells it apart: the key is the one value
 * that many small "allocated" chunks share there and that points into no mapping.
 */
function walkMainHeap(m: Mapping, bytes: Buffer, maps: readonly Mapping[]): HeapChunk[] {
  const chunks: HeapChunk[] = [];
  const offsets: number[] = [];
  let at = 0;
  while (at + 16 <= bytes.length) {
    const size = Number(bytes.readBigUInt64LE(at + 8) & ~7n);
    if (size < 32 || at + size > bytes.length) {
      // The top chunk (or something the walk does not understand): the rest is one free region.
      chunks.push({ start: m.start + at, size: bytes.length - at, inUse: false, mmapped: false });
      offsets.push(at);
      break;
    }
    const next = at + size;
    const inUse = next + 16 <= bytes.length ? (bytes.readBigUInt64LE(next + 8) & 1n) === 1n : false;
    chunks.push({ start: m.start + at, size, inUse, mmapped: false });
    offsets.push(at);
    at = next;
  }
  const keyWord = (i: number): bigint => bytes.readBigUInt64LE(offsets[i]! + 24);
  // A tcache entry's first user word is its next pointer, mangled (safe-linking: (own address >> 12) ^ next):
  // demangled, it is 0 or a 16-byte aligned address in this heap.
  const linksInHeap = (i: number): boolean => {
    const pos = BigInt(m.start + offsets[i]! + 16);
    const next = bytes.readBigUInt64LE(offsets[i]! + 16) ^ (pos >> 12n);
    return next === 0n || ((next & 15n) === 0n && next >= BigInt(m.start) && next < BigInt(m.end));
  };
  const counts = new Map<bigint, number>();
  chunks.forEach((c, i) => {
    if (c.inUse && c.size <= TCACHE_MAX_CHUNK && linksInHeap(i)) counts.set(keyWord(i), (counts.get(keyWord(i)) ?? 0) + 1);
  });
  let key = -1n;
  let best = 0;
  for (const [v, n] of counts) {
    const address = Number(v);
    if (n > best && v > 0xffffffffn && !maps.some((x) => address >= x.start && address < x.end)) {
      key = v;
      best = n;
    }
  }
  return chunks.map((c, i) => (c.inUse && c.size <= TCACHE_MAX_CHUNK && keyWord(i) === key && linksInHeap(i) ? { ...c, inUse: false } : c));
}

/**
 * Walks an anonymous mapping made of glibc mmapped chunks (large allocations: page-aligned, IS_MMAPPED bit set,
 * sizes adding up to the mapping exactly); anything else (V8's heap, thread arenas, stacks) gives [].
 */
function walkMmapped(m: Mapping, bytes: Buffer): HeapChunk[] {
  const chunks: HeapChunk[] = [];
  let at = 0;
  while (at < bytes.length) {
    if (at + 16 > bytes.length) return [];
    const word = bytes.readBigUInt64LE(at + 8);
    const size = Number(word & ~7n);
    if ((word & 2n) === 0n || size < 4096 || size % 4096 !== 0 || at + size > bytes.length) return [];
    chunks.push({ start: m.start + at, size, inUse: true, mmapped: true });
    at += size;
  }
  return chunks;
}

/**
 * Finds the malloc chunk of each address: in the main heap ([heap]) or in a mapping of mmapped chunks. Addresses
 * elsewhere (V8's heap, thread arenas) give undefined. The process should be stopped.
 */
export function heapChunksOf(pid: number, addresses: readonly number[]): Array<HeapChunk | undefined> {
  const all = mappings(pid);
  const maps = all.filter(isWritablePrivate);
  const wanted = maps.filter((m) => addresses.some((a) => a >= m.start && a < m.end) && (m.path === '[heap]' || m.path === ''));
  const chunks: HeapChunk[] = [];
  const fd = openSync(`/proc/${pid}/mem`, 'r');
  try {
    for (const m of wanted) {
      const bytes = readMapping(fd, m);
      chunks.push(...(m.path === '[heap]' ? walkMainHeap(m, bytes, all) : walkMmapped(m, bytes)));
    }
  } finally {
    closeSync(fd);
  }
  chunks.sort((a, b) => a.start - b.start);
  return addresses.map((a) => {
    let lo = 0;
    let hi = chunks.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const c = chunks[mid]!;
      if (a < c.start) hi = mid - 1;
      else if (a >= c.start + c.size) lo = mid + 1;
      else return c;
    }
    return undefined;
  });
}
