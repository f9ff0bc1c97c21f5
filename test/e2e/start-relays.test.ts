/**
 * Issue 13, "Running it": `ephemera start --relays 2` runs two relay processes joined by a local nats-server (and
 * the invite service); `ephemera demo` puts participants on both relays and prints the meeting's one CDR, which
 * lists every participant with the relay each session was on. Both transports: uws shares one port between the
 * relays (SO_REUSEPORT), ws gives each relay its own. SIGTERM drains everything and leaves no process behind.
 * Without a nats-server, `--relays 2` is a clear startup error.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { EPHEMERA_BIN } from '../helpers/relay-process.js';
import { TRANSPORTS } from '../helpers/relay-harness.js';

const run = promisify(execFile);

interface Cdr {
  meetingId: string;
  partial: boolean;
  endReason: string;
  participants: Array<{ id: string; sessions: Array<{ relay?: string; leaveReason?: string }> }>;
}

/** Every final record of `meetingId` in the relays' CDR files. */
function finalRecords(dataDir: string, meetingId: string): Cdr[] {
  const out: Cdr[] = [];
  for (const r of ['r0', 'r1']) {
    const file = join(dataDir, 'relays', r, 'cdr', 'cdr.jsonl');
    if (!existsSync(file)) continue;
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      if (line.trim() === '') continue;
      const rec = JSON.parse(line) as Cdr;
      if (rec.meetingId === meetingId && !rec.partial) out.push(rec);
    }
  }
  return out;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe.each(TRANSPORTS)('ephemera start --relays 2 + ephemera demo over %s', (transport) => {
  let server: ChildProcess | undefined;
  let dataDir = '';
  let children: number[] = [];
  afterEach(() => {
    server?.kill('SIGKILL');
    server = undefined;
    // A failed test must not leave the relays or nats-server behind.
    for (const pid of children) if (alive(pid)) process.kill(pid, 'SIGKILL');
    children = [];
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('puts participants on both relays and prints one CDR listing all of them with their relays', async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'ephemera-start-relays-'));
    server = spawn(process.execPath, [EPHEMERA_BIN, 'start', '--relays', '2', '--transport', transport, '--port', '0', '--admin-port', '0',
      '--invite-port', '0', '--data-dir', dataDir, '--node', 'demo', '--log-level', 'warn'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    server.stdout!.on('data', (c: Buffer) => (out += c.toString()));
    server.stderr!.on('data', (c: Buffer) => (err += c.toString()));
    const until = Date.now() + 30_000;
    while (!out.includes('Try: npx ephemera demo')) {
      if (Date.now() > until || server.exitCode !== null) throw new Error(`start --relays 2 did not come up:\n${out}\n${err}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(out).toContain('2 relays joined by NATS');
    children = readChildren(server.pid!);
    if (process.platform === 'linux') expect(children, 'two relays and nats-server').toHaveLength(3);
    const relayUrls = [...out.matchAll(/relay (demo-r\d)\s+(ws:\/\/\S+)/g)].map((m) => m[2]!);
    expect(relayUrls).toHaveLength(2);
    if (transport === 'uws' && process.platform === 'linux') expect(relayUrls[0]).toBe(relayUrls[1]);
    else expect(relayUrls[0]).not.toBe(relayUrls[1]);
    const cluster = JSON.parse(readFileSync(join(dataDir, 'cluster.json'), 'utf8')) as { relays: Array<{ node: string }> };
    expect(cluster.relays.map((r) => r.node)).toEqual(['demo-r0', 'demo-r1']);

    // The demo reads cluster.json: the relays, the invite service, the CDR files.
    const demo = await run(process.execPath, [EPHEMERA_BIN, 'demo', '--participants', '5', '--messages', '20', '--data-dir', dataDir], { timeout: 90_000 });
    const spread = /participants per relay: (.*)/.exec(demo.stderr)?.[1] ?? '';
    expect(spread).toMatch(/demo-r0 \d/);
    expect(spread).toMatch(/demo-r1 \d/);
    const lines = demo.stdout.trim().split('\n');
    const printed = JSON.parse(lines[lines.length - 1]!) as Cdr;
    expect(printed.endReason).toBe('host_ended');

    // ACCEPTANCE (needs the one-CDR-per-meeting owner of branch `owner`): exactly one final record of the meeting
    // across both relays, listing all five participants, each session with the relay it was on, both relays seen.
    const records = finalRecords(dataDir, printed.meetingId);
    expect(records, 'final records of the meeting across the relays').toHaveLength(1);
    const cdr = records[0]!;
    expect(printed).toEqual(cdr);
    expect(cdr.participants.map((p) => p.id).sort()).toEqual(['p0', 'p1', 'p2', 'p3', 'p4']);
    const relaysSeen = new Set<string>();
    for (const p of cdr.participants) {
      for (const s of p.sessions) {
        expect(['demo-r0', 'demo-r1']).toContain(s.relay);
        relaysSeen.add(s.relay!);
      }
    }
    expect([...relaysSeen].sort()).toEqual(['demo-r0', 'demo-r1']);

    // SIGTERM: the relays drain, the invite service and nats-server stop; nothing is left running.
    server.kill('SIGTERM');
    const code = await new Promise<number | null>((resolve) => server!.once('exit', (c) => resolve(c)));
    expect(code).toBe(0);
    for (const pid of children) expect(alive(pid), `child ${pid} still running`).toBe(false);
    expect(existsSync(join(dataDir, 'cluster.json'))).toBe(false);
  }, 150_000);

  it('leaves no relay behind when ephemera start is killed with kill -9, and the next start stops the nats-server it left', async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'ephemera-start-relays-kill-'));
    server = spawn(process.execPath, [EPHEMERA_BIN, 'start', '--relays', '2', '--transport', transport, '--port', '0', '--admin-port', '0',
      '--invite-port', '0', '--data-dir', dataDir, '--log-level', 'warn'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    server.stdout!.on('data', (c: Buffer) => (out += c.toString()));
    const until = Date.now() + 30_000;
    while (!out.includes('Try: npx ephemera demo')) {
      if (Date.now() > until || server.exitCode !== null) throw new Error(`start --relays 2 did not come up:\n${out}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    children = readChildren(server.pid!);
    const relayPids = children.filter((p) => readFileSync(`/proc/${p}/cmdline`, 'utf8').includes('\0relay\0'));
    expect(relayPids).toHaveLength(2);
    server.kill('SIGKILL');
    // Each relay sees its stdin close and drains (SIGTERM path): gone within its drain deadline.
    const gone = Date.now() + 15_000;
    while (relayPids.some(alive)) {
      if (Date.now() > gone) throw new Error('relays still running 15 s after their parent was killed');
      await new Promise((r) => setTimeout(r, 50));
    }
    // The local nats-server is left; the next start on the same data folder stops it before starting its own.
    const natsPid = children.find((p) => !relayPids.includes(p))!;
    expect(alive(natsPid)).toBe(true);
    server = spawn(process.execPath, [EPHEMERA_BIN, 'start', '--relays', '2', '--transport', transport, '--port', '0', '--admin-port', '0',
      '--invite-port', '0', '--data-dir', dataDir, '--log-level', 'warn'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let again = '';
    server.stdout!.on('data', (c: Buffer) => (again += c.toString()));
    const until2 = Date.now() + 30_000;
    while (!again.includes('Try: npx ephemera demo')) {
      if (Date.now() > until2 || server.exitCode !== null) throw new Error(`second start did not come up:\n${again}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(alive(natsPid)).toBe(false);
    children = [...children, ...readChildren(server.pid!)];
  }, 90_000);
});

/**
 * The pids of the relays and the nats-server `ephemera start` runs (its children on Linux /proc, without the web
 * client build's esbuild service, which exits on its own once its parent's pipe closes).
 */
function readChildren(pid: number): number[] {
  const file = `/proc/${pid}/task/${pid}/children`;
  if (!existsSync(file)) return [];
  const pids = readFileSync(file, 'utf8').trim().split(/\s+/).filter((s) => s !== '').map(Number);
  return pids.filter((p) => {
    try {
      const cmd = readFileSync(`/proc/${p}/cmdline`, 'utf8');
      return cmd.includes('nats-server') || cmd.includes('\0relay\0');
    } catch {
      return false;
    }
  });
}

describe('ephemera start --relays without NATS', () => {
  it('fails at startup naming what is missing', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'ephemera-start-nonats-'));
    try {
      const res = await run(process.execPath, [EPHEMERA_BIN, 'start', '--relays', '2', '--port', '0', '--admin-port', '0', '--invite-port', '0', '--data-dir', dataDir], {
        timeout: 30_000, env: { ...process.env, EPHEMERA_NATS_SERVER: join(dataDir, 'no-such-nats-server') },
      }).then(() => ({ code: 0, stderr: '' }), (e: { code: number; stderr: string }) => ({ code: e.code, stderr: e.stderr }));
      expect(res.code).toBe(2);
      expect(res.stderr).toContain('--relays 2 needs NATS between the relays: install nats-server');
      const bad = await run(process.execPath, [EPHEMERA_BIN, 'start', '--relays', 'many', '--data-dir', dataDir], { timeout: 30_000 })
        .then(() => ({ code: 0, stderr: '' }), (e: { code: number; stderr: string }) => ({ code: e.code, stderr: e.stderr }));
      expect(bad.code).toBe(2);
      expect(bad.stderr).toContain('invalid setting --relays (EPHEMERA_RELAYS)');
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 60_000);
});
