/** Runs `ephemera relay` as a real child process and captures everything it prints. */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const EPHEMERA_BIN = fileURLToPath(new URL('../../bin/ephemera.js', import.meta.url));

export interface RelayProcess {
  readonly child: ChildProcess;
  readonly url: string;
  readonly adminPort: number;
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code (or signal) once the process has exited. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(signal?: NodeJS.Signals): void;
}

/** Where and how to run the child: its working folder (heap snapshots land there) and extra node flags. */
export interface SpawnRelayOptions {
  readonly cwd?: string;
  readonly nodeArgs?: readonly string[];
}

export async function spawnRelay(args: string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 15_000, opts: SpawnRelayOptions = {}): Promise<RelayProcess> {
  const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), EPHEMERA_BIN, 'relay', '--port', '0', '--admin-port', '0', ...args], {
    cwd: opts.cwd ?? process.cwd(),
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const started = Date.now();
  while (!/admin on http:\/\/[^:]+:(\d+)/.test(out)) {
    if (child.exitCode !== null || child.signalCode !== null || Date.now() - started > timeoutMs) {
      child.kill('SIGKILL');
      throw new Error(`relay did not start (exit ${child.exitCode}):\n${out}\n${err}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  const url = /listening on (wss?:\/\/[^\s]+)/.exec(out)![1]!;
  const adminPort = Number(/admin on http:\/\/[^:]+:(\d+)/.exec(out)![1]);
  return {
    child,
    url,
    adminPort,
    stdout: () => out,
    stderr: () => err,
    exited,
    kill: (signal = 'SIGTERM') => void child.kill(signal),
  };
}
