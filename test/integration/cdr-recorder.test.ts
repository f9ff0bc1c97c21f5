/**
 * The CDR recorder on real files: durability before meetingEnded returns, resumption after a restart, interim
 * records, crash recovery after a real kill -9, startup refusal, and loss of the disk at run time.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  CdrStartupError,
  createCdrRecorder,
  validateCdrRecord,
  type CdrLogger,
  type CdrOptions,
  type CdrRecord,
  type CdrRecorder,
} from '../../relay/cdr/index.js';
import { MIN, TestMeeting } from '../unit/cdr-fixtures.js';

const ROOT = resolve(import.meta.dirname, '../..');
const quiet: CdrLogger = { info() {}, warn() {}, error() {} };

async function waitFor(cond: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

function readJsonLines<T = CdrRecord>(path: string): T[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as T);
}

function outboxRecords(dataDir: string): CdrRecord[] {
  return readJsonLines<{ record?: CdrRecord }>(join(dataDir, 'cdr', 'outbox.jsonl')).flatMap((l) => (l.record ? [l.record] : []));
}

/** Runs a short meeting through the observer the way the core does. */
function runMeeting(rec: CdrRecorder, cdrId: string, start = Date.now() - 2 * MIN): TestMeeting {
  const m = new TestMeeting({ cdrId, meetingId: `mt-${cdrId}`, startedAt: start });
  rec.meetingStarted(m);
  rec.participantJoined(m, m.join('host-1', 'host', start), start);
  rec.participantJoined(m, m.join('att-1', 'attendee', start + 1000), start + 1000);
  rec.participantLeft(m, m.leave('att-1', 'leave', start + 60_000), 'leave', start + 60_000);
  m.features.add('chat');
  return m;
}

function endMeeting(rec: CdrRecorder, m: TestMeeting, at = Date.now()): void {
  m.closeAll('meeting_ended', at);
  rec.meetingEnded(m, 'host_ended', at);
}

describe('CDR recorder', () => {
  let dataDir: string;
  const open: CdrRecorder[] = [];
  async function start(extra: Partial<CdrOptions> = {}): Promise<CdrRecorder> {
    const rec = await createCdrRecorder({ dataDir, logger: quiet, ...extra });
    open.push(rec);
    return rec;
  }
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'cdr-rec-'));
  });
  afterEach(async () => {
    for (const r of open.splice(0)) await r.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('makes the final record durable before meetingEnded returns, then delivers it to every file sink', async () => {
    const second = join(dataDir, 'exports', 'billing.jsonl');
    const rec = await start({ sinks: [{ type: 'file' }, { type: 'file', name: 'billing', path: second }] });
    expect(rec.ready()).toBe(true);
    const m = runMeeting(rec, 'cdr-durable');
    endMeeting(rec, m);
    // Synchronously on disk: the core may forget the meeting now.
    expect(outboxRecords(dataDir).map((r) => r.id)).toEqual(['cdr-durable']);
    await waitFor(() => readJsonLines(join(dataDir, 'cdr', 'cdr.jsonl')).length === 1 && readJsonLines(second).length === 1, 5000, 'file sinks');
    const [r] = readJsonLines(join(dataDir, 'cdr', 'cdr.jsonl'));
    expect(r).toMatchObject({ id: 'cdr-durable', endReason: 'host_ended', sequence: 1, partial: false, recovered: false });
    expect(validateCdrRecord(r)).toEqual([]);
    expect(readJsonLines(second)).toEqual([r]);
    await waitFor(() => rec.stats().backlog === 0, 5000, 'acks');
    const s = rec.stats();
    expect(s).toMatchObject({ recordsWritten: 1, finalRecordsWritten: 1, backlog: 0, failed: 0, ready: true, openMeetings: 0 });
    expect(s.sinks.map((x) => [x.name, x.delivered])).toEqual([['file', 1], ['billing', 1]]);
    expect(JSON.parse(readFileSync(join(dataDir, 'cdr', 'cursors', 'file.json'), 'utf8')).acked).toBe(1);
  });

  it('resumes delivery where it stopped after a restart, without writing the CDR file twice', async () => {
    // A webhook to a closed port: the records stay in the outbox for it across the restart.
    const secret = 'whsec_' + Buffer.from('restart-secret-0123456789').toString('base64');
    const dead = { type: 'webhook' as const, url: 'http://127.0.0.1:9/cdr', secrets: [secret], backoffBaseMs: 50, backoffMaxMs: 100, timeoutMs: 500 };
    const rec1 = await start({ sinks: [{ type: 'file' }, dead], closeTimeoutMs: 200 });
    for (const id of ['r-1', 'r-2', 'r-3']) endMeeting(rec1, runMeeting(rec1, id));
    await waitFor(() => readJsonLines(join(dataDir, 'cdr', 'cdr.jsonl')).length === 3, 5000, 'file sink');
    await waitFor(() => (rec1.stats().sinks[1]?.retries ?? 0) > 0, 5000, 'webhook retries');
    expect(rec1.stats().sinks[1]).toMatchObject({ backlog: 3, delivered: 0 });
    await rec1.close();
    await rec1.close(); // idempotent

    // The restart: a receiver is up now; only the webhook has anything left to do.
    const { createServer } = await import('node:http');
    const got: string[] = [];
    const server = createServer((req, res) => {
      got.push(String(req.headers['webhook-id']));
      req.resume();
      req.on('end', () => res.writeHead(200).end());
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    try {
      const rec2 = await start({ sinks: [{ type: 'file' }, { ...dead, url: `http://127.0.0.1:${port}/cdr` }] });
      await waitFor(() => got.length >= 3, 5000, 'webhook deliveries');
      await waitFor(() => rec2.stats().backlog === 0, 5000, 'all acked');
      expect(got).toEqual(['r-1', 'r-2', 'r-3']);
      expect(readJsonLines(join(dataDir, 'cdr', 'cdr.jsonl')).map((r) => r.id)).toEqual(['r-1', 'r-2', 'r-3']);
      // Everything acknowledged by every sink: the outbox was compacted to its position mark.
      await waitFor(() => outboxRecords(dataDir).length === 0, 5000, 'compaction');
      endMeeting(rec2, runMeeting(rec2, 'r-4'));
      await waitFor(() => got.length === 4, 5000, 'fourth delivery');
      expect(readJsonLines(join(dataDir, 'cdr', 'cdr.jsonl')).map((r) => r.id)).toEqual(['r-1', 'r-2', 'r-3', 'r-4']);
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });

  it('recognises records already in the CDR file when the cursor was lost (no duplicate lines)', async () => {
    const rec1 = await start();
    for (const id of ['d-1', 'd-2']) endMeeting(rec1, runMeeting(rec1, id));
    await waitFor(() => readJsonLines(join(dataDir, 'cdr', 'cdr.jsonl')).length === 2, 5000, 'file sink');
    await waitFor(() => rec1.stats().backlog === 0);
    await rec1.close();
    // The state a crash right after the file append leaves: the records are in the CDR file and still in the
    // outbox, and the cursor update never happened.
    const outbox = join(dataDir, 'cdr', 'outbox.jsonl');
    const recs = readJsonLines(join(dataDir, 'cdr', 'cdr.jsonl'));
    writeFileSync(outbox, recs.map((r, i) => JSON.stringify({ n: i + 1, at: Date.now(), record: r })).join('\n') + '\n');
    rmSync(join(dataDir, 'cdr', 'cursors', 'file.json'));
    const rec2 = await start();
    await waitFor(() => rec2.stats().backlog === 0, 5000, 'redelivery');
    expect(readJsonLines(join(dataDir, 'cdr', 'cdr.jsonl')).map((r) => r.id)).toEqual(['d-1', 'd-2']);
  });

  it('writes interim records for long meetings, then the final one with the next sequence number', async () => {
    const rec = await start({ interimIntervalMs: 120 });
    const m = runMeeting(rec, 'long-1', Date.now());
    await waitFor(() => rec.stats().interimRecordsWritten >= 2, 5000, 'two interim records');
    endMeeting(rec, m);
    const interimCount = rec.stats().interimRecordsWritten;
    const cdrFile = join(dataDir, 'cdr', 'cdr.jsonl');
    await waitFor(() => readJsonLines(cdrFile).some((r) => !r.partial), 5000, 'final record delivered');
    const all = readJsonLines(cdrFile).filter((r) => r.cdrId === 'long-1');
    const interims = all.filter((r) => r.partial);
    expect(interims.map((r) => r.sequence)).toEqual(Array.from({ length: interimCount }, (_, i) => i + 1));
    expect(interims.map((r) => r.id)).toEqual(interims.map((r) => `long-1:${r.sequence}`));
    for (const r of interims) {
      expect(r.endReason).toBeNull();
      expect(r.participants[0]!.sessions[0]).toMatchObject({ leftAt: null, leaveReason: null });
    }
    const final = all.filter((r) => !r.partial);
    expect(final).toHaveLength(1);
    expect(final[0]).toMatchObject({ id: 'long-1', sequence: interimCount + 1, endReason: 'host_ended' });
    for (const r of all) expect(validateCdrRecord(r)).toEqual([]);
    // No interim record after the end.
    await new Promise((r) => setTimeout(r, 300));
    expect(readJsonLines(cdrFile).filter((r) => r.cdrId === 'long-1')).toHaveLength(all.length);
    expect(rec.stats().interimRecordsWritten).toBe(interimCount);
  });

  it('refuses to start with a CdrStartupError naming the path when the CDR folder cannot be written', async () => {
    const blocker = join(dataDir, 'not-a-dir');
    writeFileSync(blocker, 'x');
    const err = await createCdrRecorder({ dataDir: join(blocker, 'data'), logger: quiet }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CdrStartupError);
    expect((err as CdrStartupError).code).toBe('CDR_ERR_STARTUP');
    expect((err as CdrStartupError).path).toBe(join(blocker, 'data', 'cdr'));
    expect((err as Error).message).toContain(join(blocker, 'data', 'cdr'));
    expect((err as Error).message).toContain('ENOTDIR');

    const fileErr = await createCdrRecorder({ dataDir, logger: quiet, sinks: [{ type: 'file', path: join(blocker, 'cdr.jsonl') }] }).catch((e: unknown) => e);
    expect(fileErr).toBeInstanceOf(CdrStartupError);
    expect((fileErr as CdrStartupError).path).toBe(join(blocker, 'cdr.jsonl'));
    // The failed start released the folder lock: a correct start works.
    const ok = await start();
    expect(ok.ready()).toBe(true);
  });

  it('refuses a second recorder on the same folder while the first runs', async () => {
    await start();
    const err = await createCdrRecorder({ dataDir, logger: quiet }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CdrStartupError);
    expect((err as CdrStartupError).code).toBe('CDR_ERR_LOCKED');
  });

  it('after a real kill -9, the next start emits exactly one relay_failure record per open meeting', async () => {
    const CANARY = 'CANARY-9d1e-chat-payload';
    const child = join(dataDir, 'crash-child.mts');
    writeFileSync(
      child,
      `
import { createCdrRecorder } from ${JSON.stringify(join(ROOT, 'relay/cdr/index.ts'))};
import { TestMeeting } from ${JSON.stringify(join(ROOT, 'test/unit/cdr-fixtures.ts'))};
const rec = await createCdrRecorder({ dataDir: ${JSON.stringify(dataDir)}, heartbeatMs: 50, interimIntervalMs: 0 });
const t = Date.now() - 60_000;
const meetings = ['k-open-1', 'k-open-2', 'k-ended'].map((cdrId, i) => {
  const m = new TestMeeting({ cdrId, meetingId: 'mt-' + cdrId, startedAt: t });
  rec.meetingStarted(m);
  rec.participantJoined(m, m.join('h' + i, 'host', t, { displayName: ${JSON.stringify(CANARY)} }), t);
  rec.participantJoined(m, m.join('a' + i, 'attendee', t + 10), t + 10);
  // Content never reaches observers; a buggy core leaking it into the view must not reach the disk either.
  (m as unknown as Record<string, unknown>).lastChat = ${JSON.stringify(CANARY)};
  m.features.add('chat');
  m.lanes.chat.framesIn = 7;
  return m;
});
const ended = meetings[2];
ended.closeAll('meeting_ended', Date.now());
rec.meetingEnded(ended, 'host_ended', Date.now());
setTimeout(() => process.stdout.write('READY\\n'), 200);
setInterval(() => { meetings[0].lanes.chat.framesIn++; }, 20);
`,
    );
    const proc = spawn(process.execPath, ['--import', 'tsx', child], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let errOut = '';
    proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
    proc.stderr.on('data', (d: Buffer) => (errOut += d.toString()));
    const exited = new Promise<NodeJS.Signals | null>((r) => proc.on('exit', (_c, sig) => r(sig)));
    await waitFor(() => out.includes('READY') || proc.exitCode !== null, 15_000, `child ready (${errOut})`);
    expect(out).toContain('READY');
    const killedAt = Date.now();
    proc.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');

    for (const f of ['journal.jsonl', 'outbox.jsonl']) {
      expect(readFileSync(join(dataDir, 'cdr', f), 'utf8')).not.toContain(CANARY);
    }
    const rec = await start();
    expect([...rec.recovered].sort()).toEqual(['k-open-1', 'k-open-2']);
    await waitFor(() => readJsonLines(join(dataDir, 'cdr', 'cdr.jsonl')).length === 3, 5000, 'CDR file');
    const records = readJsonLines(join(dataDir, 'cdr', 'cdr.jsonl'));
    const finals = records.filter((r) => !r.partial);
    expect(finals.map((r) => r.id).sort()).toEqual(['k-ended', 'k-open-1', 'k-open-2']);
    for (const r of finals) expect(validateCdrRecord(r)).toEqual([]);
    const open1 = finals.find((r) => r.id === 'k-open-1')!;
    expect(open1).toMatchObject({ endReason: 'relay_failure', recovered: true, sequence: 1, features: ['chat'] });
    // Ends at the last heartbeat: at most a heartbeat or so before the kill, never after it.
    const endedAt = Date.parse(open1.endedAt);
    expect(endedAt).toBeLessThanOrEqual(killedAt);
    expect(endedAt).toBeGreaterThan(killedAt - 2000);
    expect(open1.lanes.chat.framesIn).toBeGreaterThan(7);
    expect(open1.participants.every((p) => p.sessions.every((s) => s.leaveReason === 'relay_failure'))).toBe(true);
    expect(finals.find((r) => r.id === 'k-ended')).toMatchObject({ endReason: 'host_ended', recovered: false });
    await rec.close();
    open.splice(open.indexOf(rec), 1);

    // A second start recovers nothing more.
    const again = await start();
    expect(again.recovered).toEqual([]);
    await new Promise((r) => setTimeout(r, 200));
    expect(readJsonLines(join(dataDir, 'cdr', 'cdr.jsonl'))).toHaveLength(3);
    for (const f of ['journal.jsonl', 'outbox.jsonl', 'cdr.jsonl']) {
      expect(readFileSync(join(dataDir, 'cdr', f), 'utf8')).not.toContain(CANARY);
    }
  });
});

/** `mount -t tmpfs` works when the tests run as root with CAP_SYS_ADMIN; otherwise a fallback simulation. */
function tryMountTmpfs(dir: string, opts: string): boolean {
  return spawnSync('mount', ['-t', 'tmpfs', '-o', opts, 'tmpfs', dir], { stdio: 'ignore' }).status === 0;
}

describe('CDR store failures', () => {
  let base: string;
  let mounted: string | null = null;
  let rec: CdrRecorder | null = null;
  beforeEach(() => {
    base = mkdtempSync(join(tmpdir(), 'cdr-fail-'));
  });
  afterEach(async () => {
    await rec?.close();
    rec = null;
    if (mounted) spawnSync('umount', ['-l', mounted], { stdio: 'ignore' });
    mounted = null;
    rmSync(base, { recursive: true, force: true });
  });

  it('stops being ready when the disk fills at run time, keeps the record, and recovers when space returns', async () => {
    const dataDir = join(base, 'data');
    mkdirSync(dataDir);
    if (tryMountTmpfs(dataDir, 'size=64k')) {
      // Real full disk: a 64 KiB tmpfs.
      mounted = dataDir;
      rec = await createCdrRecorder({ dataDir, logger: quiet, minFreeBytes: 0, heartbeatMs: 50 });
      const m = runMeeting(rec, 'full-1');
      const filler = join(dataDir, 'filler');
      const chunk = Buffer.alloc(4096, 1);
      const { openSync, writeSync, closeSync } = await import('node:fs');
      const fd = openSync(filler, 'w');
      try {
        for (;;) writeSync(fd, chunk);
      } catch (err) {
        expect((err as NodeJS.ErrnoException).code).toBe('ENOSPC');
      } finally {
        closeSync(fd);
      }
      endMeeting(rec, m);
      expect(rec.ready()).toBe(false);
      expect(rec.notReadyReason()).toBe('CDR_ERR_OUTBOX_WRITE');
      expect(rec.stats().pendingRecords).toBe(1);
      // Nothing torn was left behind in the outbox.
      expect(outboxRecords(dataDir)).toEqual([]);
      rmSync(filler);
      await waitFor(() => rec!.ready(), 5000, 'ready again');
      await waitFor(() => readJsonLines(join(dataDir, 'cdr', 'cdr.jsonl')).length === 1, 5000, 'delivered');
      expect(readJsonLines(join(dataDir, 'cdr', 'cdr.jsonl')).map((r) => r.id)).toEqual(['full-1']);
      expect(rec.stats()).toMatchObject({ pendingRecords: 0, finalRecordsWritten: 1 });

      // The free-space floor also turns readiness off before writes start failing.
      await rec.close();
      rec = await createCdrRecorder({ dataDir, logger: quiet, minFreeBytes: 60 * 1024, heartbeatMs: 50 });
      expect(rec.ready()).toBe(false);
      expect(rec.notReadyReason()).toBe('CDR_ERR_DISK_LOW');
      console.info('cdr runtime-failure test used a 64 KiB tmpfs (real ENOSPC)');
    } else {
      // Fallback: the CDR folder is replaced by a regular file, so nothing can be created in it.
      rec = await createCdrRecorder({ dataDir, logger: quiet, minFreeBytes: 0, heartbeatMs: 50 });
      const cdrDir = join(dataDir, 'cdr');
      renameSync(cdrDir, join(dataDir, 'cdr-moved'));
      writeFileSync(cdrDir, 'not a folder');
      await waitFor(() => !rec!.ready(), 5000, 'not ready');
      expect(rec.notReadyReason()).toBe('CDR_ERR_NOT_WRITABLE');
      rmSync(cdrDir);
      renameSync(join(dataDir, 'cdr-moved'), cdrDir);
      await waitFor(() => rec!.ready(), 5000, 'ready again');
      console.info('cdr runtime-failure test used the fallback (CDR folder replaced by a file): tmpfs mount not permitted');
    }
  });

  it('refuses to start on a read-only file system', async () => {
    const dataDir = join(base, 'ro');
    mkdirSync(dataDir);
    let expectedPath: string;
    if (tryMountTmpfs(dataDir, 'size=64k,ro')) {
      mounted = dataDir;
      expectedPath = join(dataDir, 'cdr');
    } else {
      // Fallback: a data folder below a regular file.
      writeFileSync(join(dataDir, 'f'), 'x');
      expectedPath = join(dataDir, 'f', 'cdr');
    }
    const err = await createCdrRecorder({ dataDir: mounted ? dataDir : join(dataDir, 'f'), logger: quiet }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CdrStartupError);
    expect((err as CdrStartupError).path).toBe(expectedPath);
    expect((err as Error).message).toMatch(/EROFS|ENOTDIR/);
  });
});
