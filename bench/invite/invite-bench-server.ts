/**
 * The invite service as the bench runs it: a throwaway data folder, one host key, one meeting, limits out of the way.
 * Prints `READY {"url","apiKey","meetingId"}` on stdout, runs until SIGTERM or stdin closes, then removes its folder.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { addHost, createInviteService } from '../../invite-service/index.js';

const dataDir = mkdtempSync(join(tmpdir(), 'eph-invite-bench-'));
const { apiKey } = addHost(join(dataDir, 'hosts.json'), 'bench');
const big = { max: 1_000_000_000, windowMs: 60_000 };
const svc = await createInviteService({ dataDir, port: 0, logLevel: 'warn', rateLimitPerApiKey: big, rateLimitPerIp: big });
const res = await fetch(`${svc.url}/v1/meetings`, { method: 'POST', headers: { authorization: `Bearer ${apiKey}` } });
const { meetingId } = (await res.json()) as { meetingId: string };
process.stdout.write(`READY ${JSON.stringify({ url: svc.url, apiKey, meetingId })}\n`);

let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  await svc.close();
  rmSync(dataDir, { recursive: true, force: true });
}
process.on('SIGTERM', () => void stop());
process.stdin.on('end', () => void stop());
process.stdin.resume();
