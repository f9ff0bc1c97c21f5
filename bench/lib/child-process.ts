/**
 * Child processes of the bench: started pinned to one core (`taskset -c`) with a raised open-files limit, watched
 * line by line, and always ended: every live child is killed when the bench exits, however it exits.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

/** Options of {@link spawnPinned}. */
export interface SpawnPinnedOptions {
  /** A short name for messages. */
  name: string;
  /** The CPU core to pin to (taskset -c). */
  core: number;
  command: string;
  args: readonly string[];
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** The open-files limit to raise to before exec (default 65536; falls back to the hard limit). */
  openFiles?: number;
}

/** A running pinned child. */
export interface PinnedChild {
  readonly name: string;
  /** The pid of the program itself (bash and taskset exec into it). */
  readonly pid: number;
  /** Resolves with the first stdout/stderr line matching `pattern`; rejects on exit or timeout. */
  waitForLine(pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray>;
  /** The last lines the child printed (for error messages). */
  tail(): string;
  /** Whether the child has exited. */
  readonly exited: boolean;
  /** Ends the child: SIGTERM, then SIGKILL after `graceMs` (default 2000). Idempotent. */
  close(graceMs?: number): Promise<void>;
}

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

/** Kills every child still running, synchronously (SIGKILL). Safe to call at any time. */
export function killAllChildren(): void {
  for (const child of live) {
    try {
      child.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
  live.clear();
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', killAllChildren);
}

/** Starts `command args` pinned to `core`, with `ulimit -n` raised, stdin kept open (peers leave when it closes). */
export function spawnPinned(opts: SpawnPinnedOptions): PinnedChild {
  installExitHook();
  const openFiles = opts.openFiles ?? 65536;
  // "$0" "$@" pass the command and its arguments through bash untouched (no quoting of our own).
  const script = `ulimit -n ${openFiles} 2>/dev/null || ulimit -n "$(ulimit -Hn)"; exec taskset -c ${opts.core} "$0" "$@"`;
  const child = spawn('bash', ['-c', script, opts.command, ...opts.args], {
    cwd: opts.cwd,
    env: opts.env ?? process.env,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  if (child.pid === undefined) throw new Error(`${opts.name}: could not start ${opts.command}`);
  live.add(child);
  const lines: string[] = [];
  const waiters = new Set<(line: string | null) => void>();
  let exited = false;
  const onLine = (line: string): void => {
    lines.push(line);
    if (lines.length > 200) lines.shift();
    for (const w of waiters) w(line);
  };
  createInterface({ input: child.stdout! }).on('line', onLine);
  createInterface({ input: child.stderr! }).on('line', onLine);
  child.stdin!.on('error', () => {});
  const exitPromise = new Promise<void>((resolve) => {
    child.once('exit', () => {
      exited = true;
      live.delete(child);
      for (const w of waiters) w(null);
      resolve();
    });
  });
  let closing: Promise<void> | undefined;
  const pid = child.pid;

  return {
    name: opts.name,
    pid,
    get exited() {
      return exited;
    },
    tail: () => lines.join('\n'),
    waitForLine(pattern, timeoutMs) {
      for (const line of lines) {
        const m = pattern.exec(line);
        if (m) return Promise.resolve(m);
      }
      if (exited) return Promise.reject(new Error(`${opts.name} exited before printing ${String(pattern)}:\n${lines.join('\n')}`));
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(new Error(`${opts.name}: no line matching ${String(pattern)} within ${timeoutMs} ms:\n${lines.join('\n')}`));
        }, timeoutMs);
        const waiter = (line: string | null): void => {
          if (line === null) {
            clearTimeout(timer);
            waiters.delete(waiter);
            reject(new Error(`${opts.name} exited before printing ${String(pattern)}:\n${lines.join('\n')}`));
            return;
          }
          const m = pattern.exec(line);
          if (!m) return;
          clearTimeout(timer);
          waiters.delete(waiter);
          resolve(m);
        };
        waiters.add(waiter);
      });
    },
    close(graceMs = 2000) {
      if (closing) return closing;
      closing = (async () => {
        if (exited) return;
        child.stdin!.end();
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
        await exitPromise;
        clearTimeout(timer);
      })();
      return closing;
    },
  };
}
