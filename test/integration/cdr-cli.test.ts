/** `ephemera cdr` through the real dispatcher (node bin/ephemera.js), on real files and a real receiver. */
import { spawn } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWebhookReceiver } from '../../examples/webhook-receiver.js';
import { FailedStore, buildCdr, buildInterimCdr, type CdrRecord } from '../../relay/cdr/index.js';
import { TestMeeting } from '../unit/cdr-fixtures.js';

const ROOT = resolve(import.meta.dirname, '../..');
const SECRET = 'whsec_' + Buffer.from('cli-replay-secret-0123456789').toString('base64');

function cli(args: string[], opts: { env?: NodeJS.ProcessEnv } = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const p = spawn(process.execPath, [join(ROOT, 'bin/ephemera.js'), 'cdr', ...args], { cwd: ROOT, env: { ...process.env, ...opts.env } });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    p.on('close', (code) => done({ code, stdout, stderr }));
  });
}

function record(cdrId: string, endedAt: number, interimSeq = 0): CdrRecord {
  const m = new TestMeeting({ cdrId, meetingId: `mt-${cdrId}`, startedAt: endedAt - 60_000 });
  m.join('h', 'host', endedAt - 60_000);
  if (interimSeq > 0) return buildInterimCdr(m, interimSeq, endedAt);
  m.closeAll('meeting_ended', endedAt);
  return buildCdr(m, 'host_ended', endedAt);
}

const lines = (records: unknown[]): string => records.map((r) => JSON.stringify(r) + '\n').join('');

describe('ephemera cdr', () => {
  let dir: string;
  let dataDir: string;
  const T = Date.UTC(2026, 2, 1, 12, 0, 0);
  const good = [record('a', T), record('b', T + 3_600_000, 1), record('b', T + 7_200_000), record('c', T + 10_800_000)];
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'cdr-cli-'));
    dataDir = join(dir, 'data');
    mkdirSync(join(dataDir, 'cdr'), { recursive: true });
    writeFileSync(join(dataDir, 'cdr', 'cdr.jsonl'), lines(good));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('verify accepts a good file (default location from --data-dir)', async () => {
    const r = await cli(['verify', '--data-dir', dataDir]);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('ok, 4 records (3 final, 1 interim), final ids unique');
    expect(r.code).toBe(0);
  });

  it('verify reports every problem with its line and exits 1', async () => {
    const bad = join(dir, 'bad.jsonl');
    const extra = { ...record('x', T), chatText: 'hello' };
    const wrongId = { ...record('y', T, 2), id: 'y' };
    writeFileSync(bad, lines([record('a', T)]) + '{"schema": "ephemera.cdr/1", "id": \n' + lines([extra, record('a', T + 5), wrongId]));
    const r = await cli(['verify', bad]);
    expect(r.code).toBe(1);
    const out = r.stdout.split('\n');
    expect(out).toContain(`${bad}:2: not valid JSON`);
    expect(out).toContain(`${bad}:3: record: field 'chatText' is not in the schema`);
    expect(out).toContain(`${bad}:4: duplicate final record id "a" (first at line 1)`);
    expect(out).toContain(`${bad}:5: id: an interim record's id must be cdrId:sequence`);
    expect(r.stdout).toContain('4 problems in 4 records');
  });

  it('tail prints the last N records and --follow prints new ones', async () => {
    const t = await cli(['tail', '-n', '2', '--data-dir', dataDir]);
    expect(t.code).toBe(0);
    expect(t.stdout.trim().split('\n').map((l) => (JSON.parse(l) as CdrRecord).id)).toEqual(['b', 'c']);

    const file = join(dir, 'follow.jsonl');
    writeFileSync(file, lines([record('f1', T)]));
    const p = spawn(process.execPath, [join(ROOT, 'bin/ephemera.js'), 'cdr', 'tail', '--follow', '-n', '5', '--file', file], { cwd: ROOT });
    let stdout = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    const exited = new Promise<number | null>((r) => p.on('close', (code) => r(code)));
    const until = async (cond: () => boolean): Promise<void> => {
      const end = Date.now() + 10_000;
      while (!cond()) {
        if (Date.now() > end) throw new Error(`tail --follow printed: ${stdout}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    try {
      await until(() => stdout.includes('"f1"'));
      appendFileSync(file, lines([record('f2', T)]));
      await until(() => stdout.includes('"f2"'));
    } finally {
      p.kill('SIGINT');
    }
    expect(await exited).toBe(0);
    expect(stdout.trim().split('\n')).toHaveLength(2);
  });

  it('failed lists parked records; replay delivers a time range (and parked records) again with the same ids', async () => {
    const store = new FailedStore(join(dataDir, 'cdr', 'failed-webhook.jsonl'), 'webhook');
    store.park(record('parked-1', T), 404, 'HTTP 404');
    store.close();
    const f = await cli(['failed', '--data-dir', dataDir]);
    expect(f.code).toBe(0);
    expect(f.stdout).toMatch(/webhook\s+404\s+parked-1/);
    expect(f.stdout).toContain('1 parked record');

    const got: Array<{ id: string; record: Record<string, unknown> }> = [];
    const server = createWebhookReceiver({ secrets: [SECRET], onRecord: (record, id) => got.push({ id, record }) });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/cdr`;
    try {
      // endedAt in [T + 1h, T + 3h): the interim b:1 and the final b.
      const range = ['replay', '--sink', 'webhook', '--url', url, '--secret', SECRET, '--from', new Date(T + 3_600_000).toISOString(), '--to', new Date(T + 10_800_000).toISOString(), '--data-dir', dataDir];
      const r1 = await cli(range);
      expect(r1.stderr).toBe('');
      expect(r1.code).toBe(0);
      expect(r1.stdout).toContain('replayed 2 of 2 records');
      expect(got.map((g) => g.id)).toEqual(['b:1', 'b']);
      expect(got[1]!.record).toEqual(good[2]);
      // Again: the receiver sees the same ids and dedupes them.
      const r2 = await cli(range);
      expect(r2.code).toBe(0);
      expect(got).toHaveLength(2);

      const r3 = await cli(['replay', '--failed', '--sink', 'webhook', '--url', url, '--secret', SECRET, '--data-dir', dataDir]);
      expect(r3.code).toBe(0);
      expect(got.map((g) => g.id)).toEqual(['b:1', 'b', 'parked-1']);

    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });

  it('refuses bad arguments with exit 2', async () => {
    const r = await cli(['replay', '--sink', 'kafka', '--url', 'http://x/', '--secret', SECRET]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--sink webhook is required');
  });
});
