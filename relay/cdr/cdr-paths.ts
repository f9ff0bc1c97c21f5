/** Where the CDR files live under the data folder. */
import { join, resolve } from 'node:path';
import type { CdrPaths } from './cdr.types.js';

/** The CDR file layout under `<dataDir>/cdr/`. */
export function cdrPaths(dataDir: string): CdrPaths {
  const dir = join(resolve(dataDir), 'cdr');
  const cursors = join(dir, 'cursors');
  return Object.freeze({
    dir,
    outbox: join(dir, 'outbox.jsonl'),
    journal: join(dir, 'journal.jsonl'),
    cursors,
    lock: join(dir, 'lock'),
    defaultFile: join(dir, 'cdr.jsonl'),
    failed: (sinkName: string) => join(dir, `failed-${sinkName}.jsonl`),
    cursor: (sinkName: string) => join(cursors, `${sinkName}.json`),
  });
}
