/**
 * The quick start, as a user meets it: `ephemera start` (what `npm start` runs) serves the relay and the invite
 * service; `ephemera demo` gets its tokens from the service over HTTP, runs a meeting, and prints its CDR last.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { EPHEMERA_BIN } from '../helpers/relay-process.js';

const run = promisify(execFile);

describe('quick start: ephemera start + ephemera demo', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'ephemera-quickstart-'));
  let server: ChildProcess | undefined;
  afterAll(() => {
    server?.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('runs a 5-person demo meeting and prints a CDR with 5 participants and every lane used', async () => {
    server = spawn(process.execPath, [EPHEMERA_BIN, 'start', '--port', '0', '--admin-port', '0', '--invite-port', '0', '--data-dir', dataDir], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    server.stdout!.on('data', (c: Buffer) => (out += c.toString()));
    server.stderr!.on('data', (c: Buffer) => (err += c.toString()));
    const until = Date.now() + 20_000;
    while (!out.includes('Try: npx ephemera demo')) {
      if (Date.now() > until || server.exitCode !== null) throw new Error(`start did not come up:\n${out}\n${err}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const relayUrl = /relay\s+(ws:\/\/\S+)/.exec(out)![1]!;
    const inviteUrl = /invite service\s+(http:\/\/\S+)/.exec(out)![1]!;
    expect(out).toMatch(/Sample token .*\n[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\n/);

    const started = Date.now();
    const demo = await run(process.execPath, [EPHEMERA_BIN, 'demo', '--participants', '5', '--messages', '20', '--url', relayUrl, '--invite-url', inviteUrl, '--data-dir', dataDir], { timeout: 60_000 });
    const elapsed = Date.now() - started;
    expect(demo.stderr).toContain('tokens from the invite-service');
    const lines = demo.stdout.trim().split('\n');
    const cdr = JSON.parse(lines[lines.length - 1]!) as {
      participants: Array<{ id: string }>; durationMs: number; features: string[]; endReason: string; peakParticipants: number;
    };
    expect(cdr.participants).toHaveLength(5);
    expect(cdr.peakParticipants).toBe(5);
    expect(cdr.endReason).toBe('host_ended');
    expect(cdr.durationMs).toBeGreaterThan(0);
    expect(cdr.durationMs).toBeLessThan(elapsed + 1_000);
    for (const f of ['chat', 'polls', 'documents', 'audio', 'video', 'screen_share']) expect(cdr.features).toContain(f);

    server.kill('SIGTERM');
    const code = await new Promise<number | null>((resolve) => server!.once('exit', (c) => resolve(c)));
    expect(code).toBe(0);
  }, 90_000);
});
