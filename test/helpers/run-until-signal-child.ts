/**
 * A child process for test/e2e/process-guard.test.ts: bin/'s runUntilSignal around a fake server whose close takes
 * a moment, then the fault named by argv[2]: `reject` (an unhandled rejection, then it waits for SIGTERM) or
 * `throw` (an uncaught exception from a timer). The error messages carry a marker that must never be printed.
 */
import { runUntilSignal } from '../../bin/cli/run-until-signal.js';

const MARKER = 'SECRET-CONTENT-MARKER';
const fault = process.argv[2];
process.stdout.write('ready\n');
setTimeout(() => {
  if (fault === 'reject') void Promise.reject(new Error(`rejected with ${MARKER}`));
  else throw new Error(`thrown with ${MARKER}`);
}, 10);
// The fake server keeps the process alive until it is closed, as a listening socket would.
const server = setInterval(() => undefined, 1_000);
const close = (): Promise<void> =>
  new Promise((r) =>
    setTimeout(() => {
      clearInterval(server);
      r();
    }, 50),
  );
const code = await runUntilSignal('guard-test', close, 2_000);
process.exitCode = code;
