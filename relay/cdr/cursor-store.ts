/**
 * Per-sink delivery cursors: `<dataDir>/cdr/cursors/<sink>.json` = `{"sink":..,"acked":n,"updatedAt":..}`,
 * meaning every outbox entry up to position n was acknowledged by that sink. Written atomically, so a crash
 * leaves either the old or the new cursor: delivery resumes there (at-least-once).
 */
import { readFileSync } from 'node:fs';
import type { CdrLogger } from './cdr.types.js';
import { writeFileAtomic } from './durable-file.js';

/** Reads a cursor; 0 when the file does not exist or cannot be read (everything is delivered again). */
export function readCursor(path: string, logger: CdrLogger): number {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      logger.warn({ path, code: (err as NodeJS.ErrnoException).code }, 'cdr cursor unreadable; delivering from the start of the outbox');
    }
    return 0;
  }
  try {
    const acked = (JSON.parse(text) as { acked?: unknown }).acked;
    if (typeof acked === 'number' && Number.isSafeInteger(acked) && acked >= 0) return acked;
  } catch {
    // Fall through to the warning.
  }
  logger.warn({ path }, 'cdr cursor malformed; delivering from the start of the outbox');
  return 0;
}

/** Writes a cursor atomically. Throws the fs error. */
export function writeCursor(path: string, sink: string, acked: number): void {
  writeFileAtomic(path, JSON.stringify({ sink, acked, updatedAt: new Date().toISOString() }) + '\n');
}
