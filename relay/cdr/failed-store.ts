/**
 * Records a sink refused for good (a webhook's 4xx other than 408/429) are parked, one JSON line each, in
 * `<dataDir>/cdr/failed-<sink>.jsonl`: `{"parkedAt":ISO,"sink":..,"status":..,"reason":..,"record":{...}}`.
 * `ephemera cdr failed` lists them and `ephemera cdr replay --failed` delivers them again.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { CdrRecord } from './cdr.types.js';
import { AppendFile } from './durable-file.js';

export interface ParkedRecord {
  readonly parkedAt: string;
  readonly sink: string;
  /** HTTP status, or null when the refusal was not an HTTP answer. */
  readonly status: number | null;
  /** Short reason (for example `HTTP 404`); never a response body. */
  readonly reason: string;
  readonly record: CdrRecord;
}

/** One sink's failed file. */
export class FailedStore {
  readonly path: string;
  readonly sink: string;
  #file: AppendFile | null = null;
  #count: number;

  constructor(path: string, sink: string) {
    this.path = path;
    this.sink = sink;
    this.#count = existsSync(path) ? countLines(readFileSync(path)) : 0;
  }

  /** Parked records, all time. */
  get count(): number {
    return this.#count;
  }

  /** Appends and fsyncs one parked record. Throws the fs error. */
  park(record: CdrRecord, status: number | null, reason: string): void {
    this.#file ??= AppendFile.open(this.path);
    const line: ParkedRecord = { parkedAt: new Date().toISOString(), sink: this.sink, status, reason, record };
    this.#file.append(JSON.stringify(line) + '\n', true);
    this.#count++;
  }

  close(): void {
    this.#file?.close();
    this.#file = null;
  }
}

function countLines(buf: Buffer): number {
  let n = 0;
  for (let i = buf.indexOf(0x0a); i !== -1; i = buf.indexOf(0x0a, i + 1)) n++;
  return n;
}

/** Reads every parked record under a CDR folder (all sinks), in file order. Malformed lines are reported. */
export function readParkedRecords(cdrDir: string): { records: ParkedRecord[]; problems: string[] } {
  const records: ParkedRecord[] = [];
  const problems: string[] = [];
  let names: string[];
  try {
    names = readdirSync(cdrDir).filter((f) => /^failed-[a-z0-9_-]+\.jsonl$/.test(f)).sort();
  } catch {
    return { records, problems };
  }
  for (const name of names) {
    const lines = readFileSync(join(cdrDir, name), 'utf8').split('\n');
    lines.forEach((text, i) => {
      if (text === '') return;
      try {
        const v = JSON.parse(text) as ParkedRecord;
        if (v && typeof v === 'object' && v.record && typeof v.record.id === 'string') records.push(v);
        else problems.push(`${name}:${i + 1}: not a parked record`);
      } catch {
        problems.push(`${name}:${i + 1}: not valid JSON`);
      }
    });
  }
  return { records, problems };
}
