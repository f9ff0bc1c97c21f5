/**
 * The V8 flags every Node server of the bench runs with, Ephemera and the Node peers alike (same footing).
 * `--max-semi-space-size=4` bounds the young generation at 4 MB semi-spaces, as the `ephemera` command and
 * `npm start` do: by default V8 grows them to 16 MB during a burst of joins and the pages stay resident, which
 * shows as kilobytes of RSS per idle connection. `--expose-gc` with the gc-on-signal preload lets the idle scenario
 * force a full GC (SIGUSR2) in every Node server before reading RSS.
 */
import { fileURLToPath } from 'node:url';

/** The preload that turns SIGUSR2 into a full GC. */
export const GC_ON_SIGNAL = fileURLToPath(new URL('./gc-on-signal.cjs', import.meta.url));

export const NODE_SERVER_FLAGS: readonly string[] = ['--max-semi-space-size=4', '--expose-gc', '--require', GC_ON_SIGNAL];
