/**
 * The resume secret of a cluster (--resume-secret-file): read once at startup, kept in memory only. Every relay
 * of the cluster reads the same file, so that any of them verifies a resume credential another issued. A missing,
 * unreadable or short file is a startup error naming the setting (never a guess, never a default secret).
 */
import { readFileSync } from 'node:fs';
import { RelayConfigError } from '../config/relay-options.js';

/** Fewest bytes a resume secret may have. */
export const MIN_RESUME_SECRET_BYTES = 32;

/** Reads the secret (surrounding whitespace trimmed); throws RelayConfigError('resumeSecretFile', ...). */
export function loadResumeSecret(file: string): Buffer {
  let raw: Buffer;
  try {
    raw = readFileSync(file);
  } catch (err) {
    throw new RelayConfigError('resumeSecretFile', `cannot read the file (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  const secret = Buffer.from(raw.toString('utf8').trim(), 'utf8');
  raw.fill(0);
  if (secret.length < MIN_RESUME_SECRET_BYTES) throw new RelayConfigError('resumeSecretFile', `the secret must be at least ${MIN_RESUME_SECRET_BYTES} bytes`);
  return secret;
}
