/**
 * The last line of defence in bin/ (bin/cli/run-until-signal.ts), in a real child process: an unhandled promise
 * rejection is logged without its message and the process keeps running (SIGTERM later drains, exit 0); an
 * uncaught exception is logged without its message, the server drains and the process exits 70.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/relay-harness.js';

const CHILD = fileURLToPath(new URL('../helpers/run-until-signal-child.ts', import.meta.url));
const RUN_TS = fileURLToPath(new URL('../../bin/run-ts.js', import.meta.url));

function run(fault: 'reject' | 'throw') {
  const child = spawn(process.execPath, [RUN_TS, CHILD, fault], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return { child, exited, out: () => out, err: () => err };
}

describe('process-level policy (bin/cli/run-until-signal.ts)', () => {
  it('logs an unhandled rejection without its message and keeps running', async () => {
    const p = run('reject');
    await waitFor(() => p.err().includes('unhandled promise rejection'), 10_000, 'the rejection to be logged');
    expect(p.child.exitCode).toBeNull();
    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(0);
    expect(p.err()).not.toContain('SECRET-CONTENT-MARKER');
    const line = JSON.parse(p.err().split('\n').find((l) => l.includes('unhandled promise rejection'))!) as { err: { type: string; stack: string[] } };
    expect(line.err.type).toBe('Error');
    expect(line.err.stack.length).toBeGreaterThan(0);
  }, 20_000);

  it('logs an uncaught exception without its message, drains and exits 70', async () => {
    const p = run('throw');
    expect(await p.exited).toBe(70);
    expect(p.err()).toContain('uncaught exception (process drains and exits)');
    expect(p.err()).toContain('draining (deadline 2000 ms)');
    expect(p.err()).not.toContain('SECRET-CONTENT-MARKER');
  }, 20_000);
});
