/**
 * Runs a server until SIGTERM/SIGINT, then drains it within a deadline, and is the process's last line of
 * defence. Only bin/ decides the exit code and calls process.exit.
 *
 * - The deadline printed is the one applied: the drain gets `deadlineMs` from the signal; whatever is still
 *   open then (a socket uWS keeps for its close margin, a stuck sink) is cut by exiting.
 * - Once the drain is done the process exits (after a short grace for stdout/stderr), so that sockets the
 *   transport handed back to uWS for its close margin cannot keep it alive past the deadline.
 * - Process-level policy (SECURITY.md): an `unhandledRejection` is logged (error type, code, stack frames; never
 *   its message, which may quote content or a token) and the process keeps running: a rejected promise leaves no
 *   half-done synchronous state. An `uncaughtException` is logged the same way and the process drains (CDRs for
 *   every meeting) and exits 70: after an exception escaped every handler, state is unknown.
 */
import { describeError } from '../../relay/log/describe-error.js';

/** Time between the end of the drain and process.exit, for buffered output to reach its pipe. */
const EXIT_GRACE_MS = 50;
/** Exit code after an uncaught exception (EX_SOFTWARE). */
export const EXIT_UNCAUGHT = 70;

function report(name: string, kind: string, err: unknown): void {
  const line = { level: 50, time: Date.now(), name, msg: kind, err: describeError(err) };
  process.stderr.write(JSON.stringify(line) + '\n');
}

export async function runUntilSignal(name: string, close: () => Promise<void>, deadlineMs: number): Promise<number> {
  const code = await new Promise<number>((resolve) => {
    let stopping = false;
    let failed = false;
    const stop = (why: string): void => {
      if (stopping) return;
      stopping = true;
      process.stderr.write(`${name}: ${why}, draining (deadline ${deadlineMs} ms)\n`);
      const deadline = setTimeout(() => {
        process.stderr.write(`${name}: drain deadline passed, exiting\n`);
        process.exit(1);
      }, deadlineMs);
      deadline.unref();
      close().then(
        () => {
          clearTimeout(deadline);
          resolve(failed ? EXIT_UNCAUGHT : 0);
        },
        (err: unknown) => {
          clearTimeout(deadline);
          report(name, 'error while draining', err);
          resolve(1);
        },
      );
    };
    process.once('SIGTERM', () => stop('SIGTERM received'));
    process.once('SIGINT', () => stop('SIGINT received'));
    process.on('unhandledRejection', (reason) => report(name, 'unhandled promise rejection (process keeps running)', reason));
    process.on('uncaughtException', (err) => {
      report(name, 'uncaught exception (process drains and exits)', err);
      failed = true;
      if (stopping) return;
      stop('uncaught exception');
    });
  });
  setTimeout(() => process.exit(code), EXIT_GRACE_MS).unref();
  return code;
}
