/**
 * `ephemera demo`: runs a scripted meeting of N participants against a running relay (chat on every audience,
 * host controls, media tracks), ends it as the host, and prints the meeting's CDR as one JSON line, last on stdout.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from '../command.types.js';
import { intFlag, parseFlags } from '../args.js';
import { connect, type EphemeraClient } from '../../../client/index.js';
import { demoInvites } from '../demo-tokens.js';
import { runDemoLanes } from '../demo-lanes.js';

const HELP = `usage: ephemera demo [--participants 5] [--messages 20] [--url ws://127.0.0.1:8080] [--data-dir .ephemera]
                     [--invite-url http://127.0.0.1:8090] [--api-key KEY] [--cdr-file <data-dir>/cdr/cdr.jsonl]
                     [--timeout-ms 30000]
Runs a scripted meeting against a running relay, then prints the meeting's call-detail record as one JSON line,
last on stdout. Tokens come from the invite service over HTTP (the host key \`npm start\` created in the data
folder, or --api-key); without one, they are minted from the development key in the data folder.`;

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

async function waitFor(cond: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

/** Finds the final CDR of a meeting in the JSON-lines file. */
function findCdr(file: string, meetingId: string): string | undefined {
  if (!existsSync(file)) return undefined;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.includes(meetingId)) continue;
    try {
      const rec = JSON.parse(line) as { meetingId?: string; partial?: boolean };
      if (rec.meetingId === meetingId && !rec.partial) return line;
    } catch {
      // A torn last line is possible while the relay writes; skip it.
    }
  }
  return undefined;
}

export const run: Command = async (argv) => {
  if (argv.includes('--help')) {
    process.stdout.write(HELP + '\n');
    return 0;
  }
  let flags: Map<string, string>;
  let participants: number;
  let messages: number;
  let timeoutMs: number;
  try {
    flags = parseFlags(argv);
    participants = intFlag(flags, 'participants', 5, 2, 500);
    messages = intFlag(flags, 'messages', 20, 0, 100_000);
    timeoutMs = intFlag(flags, 'timeout-ms', 30_000, 1_000, 3_600_000);
  } catch (err) {
    process.stderr.write(`ephemera demo: ${(err as Error).message}\n${HELP}\n`);
    return 2;
  }
  const dataDir = flags.get('data-dir') ?? process.env.EPHEMERA_DATA_DIR ?? '.ephemera';
  const url = flags.get('url') ?? `ws://127.0.0.1:${process.env.EPHEMERA_PORT ?? 8080}`;
  const cdrFile = flags.get('cdr-file') ?? join(dataDir, 'cdr', 'cdr.jsonl');
  const clients: EphemeraClient[] = [];
  let meetingId: string;
  try {
    const invites = await demoInvites(dataDir, participants, flags.get('invite-url') ?? process.env.EPHEMERA_INVITE_URL, flags.get('api-key'));
    meetingId = invites.meetingId;
    process.stderr.write(`ephemera demo: meeting ${meetingId}, ${participants} participants, tokens from the ${invites.source}\n`);
    for (const token of invites.tokens) clients.push(await connect({ url, meetingId, token }));
    const host = clients[0]!;
    await waitFor(() => clients.every((c) => c.roster.size === participants), timeoutMs, 'everyone to see the full roster');

    // Chat: every participant sends its share to everyone; each other participant must receive all of them.
    let received = 0;
    for (const c of clients) c.on('chat', () => received++);
    for (let m = 0; m < messages; m++) clients[m % participants]!.sendChat(`demo message ${m}`);
    await waitFor(() => received >= messages * (participants - 1), timeoutMs, 'chat delivery');
    // A direct message and a message to the hosts.
    clients[participants - 1]!.sendChat('hello host', { hosts: true });
    host.sendChat('hello you', { to: clients[participants - 1]!.you.id });
    await waitFor(() => received >= messages * (participants - 1) + 2, timeoutMs, 'direct chat delivery');

    await runDemoLanes(clients, (cond, what) => waitFor(cond, timeoutMs, what));

    host.endMeeting();
    await Promise.all(clients.map((c) => c.closed));
  } catch (err) {
    process.stderr.write(`ephemera demo: ${(err as Error).message}\n`);
    for (const c of clients) c.close();
    return 1;
  }
  let line: string | undefined;
  try {
    await waitFor(() => (line = findCdr(cdrFile, meetingId)) !== undefined, timeoutMs, `the meeting's CDR in ${cdrFile}`);
  } catch (err) {
    process.stderr.write(`ephemera demo: ${(err as Error).message}\n`);
    return 1;
  }
  process.stdout.write(line + '\n');
  return 0;
};
