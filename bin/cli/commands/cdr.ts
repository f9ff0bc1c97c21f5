/** `ephemera cdr`: inspect and replay call-detail records (tail, verify, failed, replay). */
import { createReadStream, existsSync, openSync, readSync, closeSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import type { Command } from '../command.types.js';
// Direct module imports (not the folder index) keep prom-client and the recorder out of CLI start-up.
import { fullJitterDelay } from '../../../relay/cdr/backoff.js';
import { cdrPaths } from '../../../relay/cdr/cdr-paths.js';
import type { CdrRecord } from '../../../relay/cdr/cdr.types.js';
import { readParkedRecords } from '../../../relay/cdr/failed-store.js';
import { deliverWebhook } from '../../../relay/cdr/sinks/webhook-sink.js';
import { validateCdrRecord } from '../../../relay/cdr/validate-cdr.js';
import { parseWebhookSecret } from '../../../relay/cdr/webhook-signature.js';

const USAGE = `usage: ephemera cdr <command> [options]

commands:
  tail    [-n N] [--follow] [--file F] [--data-dir D]
          print the last N records of the CDR file (default 10); --follow keeps printing new ones
  verify  [FILE] [--data-dir D]
          check a CDR file: well-formed JSON lines, every record valid against ephemera.cdr/1 (no field
          outside the schema), final record ids unique; prints one line per problem and exits 1 if any
  failed  [--json] [--data-dir D]
          list the records a sink refused for good (parked in <data dir>/cdr/failed-<sink>.jsonl)
  replay  --sink webhook --url URL --secret whsec_... [--secret ...] [--from ISO] [--to ISO]
          [--file F | --failed] [--final-only] [--attempts N] [--timeout-ms N] [--data-dir D]
          deliver records again (ids unchanged, so receivers dedupe); --from/--to select by endedAt
          (from inclusive, to exclusive); --failed replays the parked records instead of the CDR file

The data folder is --data-dir, else $EPHEMERA_DATA_DIR, else .ephemera; the CDR file is <data dir>/cdr/cdr.jsonl.
`;

function out(line: string): void {
  process.stdout.write(line + '\n');
}

function err(line: string): void {
  process.stderr.write(line + '\n');
}

function usageError(message: string): number {
  err(`ephemera cdr: ${message}\n\n${USAGE}`);
  return 2;
}

function dataDirOf(flag: string | undefined): string {
  return resolve(flag ?? process.env.EPHEMERA_DATA_DIR ?? '.ephemera');
}

function cdrFileOf(values: { file?: string | undefined; 'data-dir'?: string | undefined }): string {
  return values.file !== undefined ? resolve(values.file) : cdrPaths(dataDirOf(values['data-dir'])).defaultFile;
}

/** Reads a JSON-lines file line by line (bounded memory), calling `fn(text, lineNumber)` for non-empty lines. */
async function eachLine(path: string, fn: (text: string, line: number) => void): Promise<void> {
  const rl = createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity });
  let n = 0;
  for await (const text of rl) {
    n++;
    if (text.trim() !== '') fn(text, n);
  }
}

// ---- tail ----

function lastLines(path: string, n: number): { lines: string[]; size: number } {
  const size = statSync(path).size;
  if (n <= 0) return { lines: [], size };
  const fd = openSync(path, 'r');
  try {
    let pos = size;
    let text = '';
    const chunk = 64 * 1024;
    while (pos > 0) {
      const start = Math.max(0, pos - chunk);
      const buf = Buffer.alloc(pos - start);
      readSync(fd, buf, 0, buf.length, start);
      text = buf.toString('utf8') + text;
      pos = start;
      if (text.split('\n').filter((l) => l !== '').length > n) break;
    }
    const lines = text.split('\n').filter((l) => l !== '');
    return { lines: lines.slice(-n), size };
  } finally {
    closeSync(fd);
  }
}

async function tail(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      n: { type: 'string', short: 'n', default: '10' },
      follow: { type: 'boolean', short: 'f', default: false },
      file: { type: 'string' },
      'data-dir': { type: 'string' },
    },
  });
  const n = Number(values.n);
  if (!Number.isInteger(n) || n < 0) return usageError('-n must be a non-negative integer');
  const path = cdrFileOf(values);
  if (!existsSync(path) && !values.follow) {
    err(`ephemera cdr tail: no CDR file at ${path}`);
    return 1;
  }
  let offset = 0;
  if (existsSync(path)) {
    const { lines, size } = lastLines(path, n);
    for (const l of lines) out(l);
    offset = size;
  }
  if (!values.follow) return 0;
  let partial = '';
  return new Promise<number>((resolveExit) => {
    const poll = (): void => {
      let size: number;
      try {
        size = statSync(path).size;
      } catch {
        return;
      }
      if (size < offset) {
        // Replaced or truncated: start again from its beginning.
        offset = 0;
        partial = '';
      }
      if (size === offset) return;
      const fd = openSync(path, 'r');
      try {
        const buf = Buffer.alloc(size - offset);
        readSync(fd, buf, 0, buf.length, offset);
        offset = size;
        const text = partial + buf.toString('utf8');
        const parts = text.split('\n');
        partial = parts.pop() ?? '';
        for (const l of parts) if (l !== '') out(l);
      } finally {
        closeSync(fd);
      }
    };
    // Polls the size against our own offset (fs.watchFile compares with a baseline it takes asynchronously, so a
    // line appended before that baseline was never reported).
    const timer = setInterval(poll, 250);
    poll();
    const stop = (): void => {
      clearInterval(timer);
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolveExit(0);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

// ---- verify ----

async function verify(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { 'data-dir': { type: 'string' } },
  });
  if (positionals.length > 1) return usageError('verify takes one file');
  const path = positionals[0] !== undefined ? resolve(positionals[0]) : cdrPaths(dataDirOf(values['data-dir'])).defaultFile;
  if (!existsSync(path)) {
    err(`ephemera cdr verify: no such file: ${path}`);
    return 2;
  }
  const problems: string[] = [];
  const finals = new Map<string, number>();
  let records = 0;
  let finalCount = 0;
  await eachLine(path, (text, line) => {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      problems.push(`${path}:${line}: not valid JSON`);
      return;
    }
    records++;
    for (const p of validateCdrRecord(value)) problems.push(`${path}:${line}: ${p}`);
    const r = value as Partial<CdrRecord> | null;
    if (r && typeof r === 'object' && r.partial === false && typeof r.id === 'string') {
      finalCount++;
      const first = finals.get(r.id);
      if (first !== undefined) problems.push(`${path}:${line}: duplicate final record id ${JSON.stringify(r.id)} (first at line ${first})`);
      else finals.set(r.id, line);
    }
  });
  for (const p of problems) out(p);
  if (problems.length > 0) {
    out(`${path}: ${problems.length} problem${problems.length === 1 ? '' : 's'} in ${records} record${records === 1 ? '' : 's'}`);
    return 1;
  }
  out(`${path}: ok, ${records} record${records === 1 ? '' : 's'} (${finalCount} final, ${records - finalCount} interim), final ids unique`);
  return 0;
}

// ---- failed ----

async function failed(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { json: { type: 'boolean', default: false }, 'data-dir': { type: 'string' } },
  });
  const dir = cdrPaths(dataDirOf(values['data-dir'])).dir;
  const { records, problems } = readParkedRecords(dir);
  for (const p of problems) err(`ephemera cdr failed: ${p}`);
  if (values.json) {
    for (const r of records) out(JSON.stringify(r));
  } else if (records.length === 0) {
    out(`no parked records in ${dir}`);
  } else {
    out(['parkedAt'.padEnd(25), 'sink'.padEnd(12), 'status'.padEnd(7), 'id'].join(' '));
    for (const r of records) {
      out([r.parkedAt.padEnd(25), r.sink.padEnd(12), String(r.status ?? '-').padEnd(7), r.record.id].join(' '));
    }
    out(`${records.length} parked record${records.length === 1 ? '' : 's'}; deliver them again with: ephemera cdr replay --failed --sink webhook --url ... --secret ...`);
  }
  return problems.length > 0 ? 1 : 0;
}

// ---- replay ----

function parseTime(v: string | undefined): number | undefined | null {
  if (v === undefined) return undefined;
  const t = Date.parse(v);
  return Number.isNaN(t) ? null : t;
}

async function replay(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      sink: { type: 'string' },
      url: { type: 'string' },
      secret: { type: 'string', multiple: true },
      from: { type: 'string' },
      to: { type: 'string' },
      file: { type: 'string' },
      failed: { type: 'boolean', default: false },
      'final-only': { type: 'boolean', default: false },
      attempts: { type: 'string', default: '5' },
      'timeout-ms': { type: 'string', default: '10000' },
      'data-dir': { type: 'string' },
    },
  });
  if (values.sink !== 'webhook') return usageError('--sink webhook is required (the only sink that can be replayed to)');
  if (values.url === undefined) return usageError('--url is required');
  let url: URL;
  try {
    url = new URL(values.url);
  } catch {
    return usageError('--url is not a valid URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return usageError('--url must be http or https');
  const secrets = values.secret ?? [];
  if (secrets.length === 0) return usageError('--secret is required (whsec_...; repeat it for several)');
  let keys: Buffer[];
  try {
    keys = secrets.map((s) => parseWebhookSecret(s));
  } catch (e) {
    return usageError(`--secret ${(e as Error).message}`);
  }
  const from = parseTime(values.from);
  const to = parseTime(values.to);
  if (from === null) return usageError('--from is not an ISO 8601 time');
  if (to === null) return usageError('--to is not an ISO 8601 time');
  const attempts = Number(values.attempts);
  const timeoutMs = Number(values['timeout-ms']);
  if (!Number.isInteger(attempts) || attempts < 1) return usageError('--attempts must be a positive integer');
  if (!Number.isInteger(timeoutMs) || timeoutMs < 1) return usageError('--timeout-ms must be a positive integer');
  if (values.failed && values.file !== undefined) return usageError('--failed and --file exclude each other');

  const selected: CdrRecord[] = [];
  const keep = (r: CdrRecord): void => {
    if (values['final-only'] && r.partial) return;
    const t = Date.parse(r.endedAt);
    if (from !== undefined && !(t >= from)) return;
    if (to !== undefined && !(t < to)) return;
    selected.push(r);
  };
  if (values.failed) {
    const { records, problems } = readParkedRecords(cdrPaths(dataDirOf(values['data-dir'])).dir);
    for (const p of problems) err(`ephemera cdr replay: ${p}`);
    for (const r of records) keep(r.record);
  } else {
    const path = cdrFileOf(values);
    if (!existsSync(path)) {
      err(`ephemera cdr replay: no CDR file at ${path}`);
      return 2;
    }
    let bad = 0;
    await eachLine(path, (text, line) => {
      try {
        const r = JSON.parse(text) as CdrRecord;
        if (validateCdrRecord(r).length > 0) throw new Error('invalid');
        keep(r);
      } catch {
        bad++;
        err(`ephemera cdr replay: ${path}:${line}: skipped (not a valid record; see ephemera cdr verify)`);
      }
    });
    if (bad > 0 && selected.length === 0) return 1;
  }

  const config = { url: url.toString(), keys, timeoutMs };
  let delivered = 0;
  const failures: string[] = [];
  for (const record of selected) {
    const body = JSON.stringify(record);
    let outcome = 'not attempted';
    let ok = false;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      const res = await deliverWebhook(config, record.id, body);
      if (res.kind === 'ok') {
        ok = true;
        break;
      }
      outcome = res.error;
      if (res.kind === 'park' || attempt === attempts) break;
      const wait = Math.min(res.retryAfterMs ?? fullJitterDelay(attempt, 500, 10_000), 60_000);
      await new Promise((r) => setTimeout(r, wait));
    }
    if (ok) {
      delivered++;
      out(`delivered ${record.id}`);
    } else {
      failures.push(record.id);
      out(`failed ${record.id}: ${outcome}`);
    }
  }
  out(`replayed ${delivered} of ${selected.length} record${selected.length === 1 ? '' : 's'} to ${url.origin}`);
  return failures.length > 0 ? 1 : 0;
}

const SUBCOMMANDS: Record<string, (argv: string[]) => Promise<number>> = { tail, verify, failed, replay };

export const run: Command = async (argv) => {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === '--help' || sub === '-h' || sub === 'help') {
    process.stdout.write(USAGE);
    return sub === undefined ? 2 : 0;
  }
  const fn = SUBCOMMANDS[sub];
  if (!fn) return usageError(`unknown command '${sub}'`);
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(USAGE);
    return 0;
  }
  try {
    return await fn(rest);
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS')) return usageError((e as Error).message);
    err(`ephemera cdr ${sub}: ${(e as Error).message}`);
    return 1;
  }
};
