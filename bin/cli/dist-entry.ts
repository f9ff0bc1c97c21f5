/**
 * Entry of the compiled `ephemera` command (dist/ephemera.mjs, built by scripts/build-dist.mjs): the same CLI as
 * bin/ephemera.js, without tsx's loader (its hooks thread and in-process TypeScript compilation cost ~50 MB of RSS
 * and a second of CPU at start-up).
 */
import { main } from './main.js';

process.exitCode = await main(process.argv.slice(2));
