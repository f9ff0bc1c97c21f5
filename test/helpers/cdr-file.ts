/** Reads CDRs from a relay's JSON-lines CDR file. */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { waitFor } from './relay-harness.js';

export interface CdrLine {
  id: string;
  meetingId: string;
  endReason: string | null;
  partial: boolean;
  features: string[];
  peakParticipants: number;
  durationMs: number;
  participants: Array<{ id: string; role: string; sessions: Array<{ joinedAt: string; leftAt: string | null; leaveReason: string | null }> }>;
  lanes: Record<string, { framesIn: number; framesOut: number; dropped: number; bytesIn: number; bytesOut: number }>;
  activity: Record<string, unknown>;
  [k: string]: unknown;
}

export function readCdrs(dataDir: string, file = join(dataDir, 'cdr', 'cdr.jsonl')): CdrLine[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim().length > 0)
    .map((l) => JSON.parse(l) as CdrLine);
}

export async function waitForCdr(dataDir: string, meetingId: string, timeoutMs = 5_000): Promise<CdrLine> {
  let found: CdrLine | undefined;
  await waitFor(() => (found = readCdrs(dataDir).find((r) => r.meetingId === meetingId && !r.partial)) !== undefined, timeoutMs, `CDR of ${meetingId}`);
  return found!;
}
