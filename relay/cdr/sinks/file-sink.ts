/**
 * The JSON-lines CDR file, the user-facing record of every meeting: one record per line, fsync'd after each
 * batch. Records are copied from the outbox; after a crash between the append and the cursor update the ids
 * already at the end of the file are recognised and not written twice.
 */
import { closeSync, openSync, readSync, fstatSync } from 'node:fs';
import { errorCode } from '../cdr-errors.js';
import { AppendFile } from '../durable-file.js';
import type { OutboxItem } from '../outbox.js';
import type { AttemptResult, CdrSink } from './sink.types.js';

/** How much of the file's end is read at start to recognise records already written. */
const TAIL_BYTES = 1024 * 1024;

export class FileSink implements CdrSink {
  readonly name: string;
  readonly type = 'file' as const;
  readonly maxBatch = 256;
  readonly backoffBaseMs = 100;
  readonly backoffMaxMs = 10_000;
  readonly path: string;
  #file: AppendFile;
  #recentIds: Set<string>;

  /** Opens (creating) the file. Throws the fs error when it cannot be opened for appending. */
  constructor(name: string, path: string) {
    this.name = name;
    this.path = path;
    this.#recentIds = readTailIds(path);
    this.#file = AppendFile.open(path, 0o640);
    const size = this.#file.size;
    if (size > 0 && !this.#file.read(size - 1, 1).equals(Buffer.from('\n'))) {
      // A line cut by a crash: its record was not acknowledged and comes again from the outbox.
      const { lastNewline } = findLastNewline(this.#file, size);
      this.#file.truncate(lastNewline + 1);
    }
  }

  async attempt(batch: readonly OutboxItem[]): Promise<AttemptResult> {
    let text = '';
    for (const item of batch) {
      if (this.#recentIds.size > 0 && this.#recentIds.has(item.id)) {
        this.#recentIds.delete(item.id);
        continue;
      }
      text += item.body + '\n';
    }
    if (text === '') return { kind: 'ok' };
    try {
      this.#file.append(text, true);
      return { kind: 'ok' };
    } catch (err) {
      return { kind: 'retry', error: errorCode(err) };
    }
  }

  close(): void {
    this.#file.close();
  }
}

function findLastNewline(file: AppendFile, size: number): { lastNewline: number } {
  const chunk = 64 * 1024;
  for (let end = size; end > 0; end -= chunk) {
    const start = Math.max(0, end - chunk);
    const i = file.read(start, end - start).lastIndexOf(0x0a);
    if (i !== -1) return { lastNewline: start + i };
  }
  return { lastNewline: -1 };
}

function readTailIds(path: string): Set<string> {
  const ids = new Set<string>();
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return ids;
  }
  try {
    const size = fstatSync(fd).size;
    const start = Math.max(0, size - TAIL_BYTES);
    const buf = Buffer.allocUnsafe(size - start);
    let got = 0;
    while (got < buf.length) {
      const n = readSync(fd, buf, got, buf.length - got, start + got);
      if (n === 0) break;
      got += n;
    }
    const lines = buf.subarray(0, got).toString('utf8').split('\n');
    if (start > 0) lines.shift();
    for (const line of lines) {
      const m = /^\{"schema":"[^"]*","id":"((?:[^"\\]|\\.)*)"/.exec(line);
      if (m?.[1] !== undefined) ids.add(JSON.parse(`"${m[1]}"`) as string);
    }
  } finally {
    closeSync(fd);
  }
  return ids;
}
