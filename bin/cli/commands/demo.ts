/**
 * `ephemera demo`: runs a scripted meeting of N participants against a running relay (chat on every audience,
 * host controls, media tracks), ends it as the host, and prints the meeting's CDR as one JSON line, last on stdout.
 * Against `ephemera start --relays N` (its `<data-dir>/cluster.json`) or a list of relay URLs, the participants
 * are spread over the relays and the record is looked for in every relay's CDR file.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from '../command.types.js';
import { intFlag, parseFlags } from '../args.js';
import { connect, type EphemeraClient } from '../../../client/index.js';
import { demoInvites } from '../demo-tokens.js';
import { runDemoLanes } from '../demo-lanes.js';
import { readClusterFile } from '../cluster-file.js';

const HELP = `usage: ephemera demo [--participants 5] [--messages 20] [--url ws://127.0.0.1:8080[,ws://...]] [--data-dir .ephemera]
                     [--invite-url http://127.0.0.1:8090] [--api-key KEY] [--cdr-file <data-dir>/cdr/cdr.jsonl[,...]]
                     [--timeout-ms 30000]
Runs a scripted meeting against a running relay, then prints the meeting's call-detail record as one JSON line,
last on stdout. Tokens come from the invite service over HTTP (the host key \`npm start\` created in the data
folder, or --api-key); without one, they are minted from the development key in the data folder.
Several relays: with --url a,b,... participant i joins URL i mod N. Without --url, when the data folder holds the
cluster.json of \`ephemera start --relays N\`, the participants are spread over its relays (every relay gets at
least one; on a shared port the kernel picks the relay, and a participant that must go to another relay joins
again until it lands there, which its record shows as a short first session), and the CDR is looked for in
every relay's file.`;

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

/** Finds the final CDR of a meeting in the JSON-lines files (the first file that holds one). */
function findCdr(files: readonly string[], meetingId: string): string | undefined {
  for (const file of files) {
    const line = findCdrIn(file, meetingId);
    if (line !== undefined) return line;
  }
  return undefined;
}

function findCdrIn(file: string, meetingId: string): string | undefined {
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
  const cluster = flags.has('url') ? null : readClusterFile(dataDir);
  const urls = cluster !== null ? cluster.relays.map((r) => r.url) : (flags.get('url') ?? `ws://127.0.0.1:${process.env.EPHEMERA_PORT ?? 8080}`).split(',');
  const cdrFiles = flags.get('cdr-file')?.split(',')
    ?? (cluster !== null ? cluster.relays.map((r) => join(r.dataDir, 'cdr', 'cdr.jsonl')) : [join(dataDir, 'cdr', 'cdr.jsonl')]);
  const clients: EphemeraClient[] = [];
  let meetingId: string;
  try {
    const invites = await demoInvites(dataDir, participants, flags.get('invite-url') ?? process.env.EPHEMERA_INVITE_URL ?? cluster?.inviteUrl, flags.get('api-key'));
    meetingId = invites.meetingId;
    process.stderr.write(`ephemera demo: meeting ${meetingId}, ${participants} participants, tokens from the ${invites.source}\n`);
    if (cluster !== null && cluster.sharedPort && cluster.relays.length > 1) {
      await joinSpread(clients, urls[0]!, meetingId, invites.tokens, cluster.relays.map((r) => r.node));
    } else {
      for (let i = 0; i < invites.tokens.length; i++) clients.push(await connect({ url: urls[i % urls.length]!, meetingId, token: invites.tokens[i]! }));
    }
    const landed = new Map<string, number>();
    for (const c of clients) landed.set(c.welcome.relayNode ?? '', (landed.get(c.welcome.relayNode ?? '') ?? 0) + 1);
    if (urls.length > 1 || cluster !== null) process.stderr.write(`ephemera demo: participants per relay: ${[...landed].map(([n, k]) => `${n} ${k}`).join(', ')}\n`);
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
    await waitFor(() => (line = findCdr(cdrFiles, meetingId)) !== undefined, timeoutMs, `the meeting's CDR in ${cdrFiles.join(', ')}`);
  } catch (err) {
    process.stderr.write(`ephemera demo: ${(err as Error).message}\n`);
    return 1;
  }
  process.stdout.write(line + '\n');
  return 0;
};

/** Most joins one participant makes to land on a relay that has nobody yet. */
const MAX_SPREAD_TRIES = 64;

/**
 * Joins everyone through one shared port (the kernel picks the relay) so that every relay gets at least one
 * participant: a participant that must land on a relay with nobody yet (as many left to join as such relays)
 * joins again until it does.
 */
async function joinSpread(clients: EphemeraClient[], url: string, meetingId: string, tokens: readonly string[], nodes: readonly string[]): Promise<void> {
  const empty = new Set(nodes);
  for (let i = 0; i < tokens.length; i++) {
    const mustSpread = tokens.length - i <= empty.size;
    for (let attempt = 1; ; attempt++) {
      const c = await connect({ url, meetingId, token: tokens[i]! });
      const node = c.welcome.relayNode ?? '';
      if (!mustSpread || empty.has(node) || attempt >= MAX_SPREAD_TRIES) {
        empty.delete(node);
        clients.push(c);
        break;
      }
      c.close();
      await c.closed;
    }
  }
}
