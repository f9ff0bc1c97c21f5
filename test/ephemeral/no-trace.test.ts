/**
 * The ephemerality proof, on both transports: a meeting carries unique canary markers on every lane (chat to
 * everyone, to one, to the hosts; audio, video and screen media; a poll's question and options; a document's name
 * and bytes), a second marker only in small frames the relay receives and refuses (chat to nobody, chat without
 * the capability, media on an unpublished track, a PING with a payload, a chunk of no transfer), and a third only
 * in a large refused frame (200 KB, arriving over several reads). After the meeting ended, its CDR was written and
 * the garbage collector ran:
 * 1. no file under the relay's data folder, no CDR sink (file, stdout, a webhook receiver) and no log line contains
 *    any marker, and the relay's stdout and stderr never carried one (debug logging on);
 * 2. a V8 heap snapshot of the relay contains no marker (as text or UTF-16: the markers travel next to a
 *    non-Latin-1 character, so a JS string holding them would be two-byte);
 * 3. a scan of the relay's writable private memory (/proc/PID/mem) finds no received-only marker: the transports
 *    wipe received messages once the core is done with them (uws: except the last large message, which uWS
 *    assembled over several reads and whose bytes stay in its receive buffer; a third marker measures it);
 * 4. the forwarded marker may remain in memory the relay no longer owns (freed C allocations: the allocator does
 *    not clear them, and uWS and Node copy outgoing frames into their own buffers): the scan reports where. With
 *    glibc's allocator told to wipe freed memory (GLIBC_TUNABLES=glibc.malloc.perturb=165:glibc.malloc.tcache_count=0,
 *    SECURITY.md), a second run (two meetings) finds no marker on ws; on uws only what uWS keeps in its own live,
 *    reused buffers (cork buffer, pub/sub staging, receive buffer), overwritten only by later traffic.
 * Each hit is located in its malloc chunk (freed or live, and its size) by walking glibc's heap.
 * The relay runs as a child process with node --expose-gc and a preloaded hook (snapshot-on-signal.cjs) that
 * collects garbage and writes a heap snapshot on SIGUSR2, in a temp folder outside the data folder.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { encodeChatMessage, encodeEnvelope, Kind } from '../../protocol/index.js';
import { connect, type EphemeraClient, type IncomingDocument } from '../../client/index.js';
import { filesUnder } from '../helpers/files.js';
import { readCdrs } from '../helpers/cdr-file.js';
import { meetingId, waitFor } from '../helpers/relay-harness.js';
import { sleep, startRelayChild, tokenMinter, TRANSPORT_NAMES, type RelayChild, type TransportName } from '../integration/security-helpers.js';
import { heapChunksOf, mappingName, scanProcessMemory, type HeapChunk, type Hit } from './memory-scan.js';

const PRELOAD = fileURLToPath(new URL('./snapshot-on-signal.cjs', import.meta.url));
const HARDENED_MALLOC = 'glibc.malloc.perturb=165:glibc.malloc.tcache_count=0';

interface Markers {
  /** Travels on every lane and is forwarded. */
  readonly forwarded: string;
  /** Only ever in small frames the relay receives and refuses (each arrives in one read). */
  readonly received: string;
  /** Only ever in a large frame (200 KB) the relay receives and refuses: it arrives over several reads. */
  readonly receivedLarge: string;
}

const KINDS = ['forwarded', 'forwarded/utf16', 'received', 'received/utf16', 'received-large', 'received-large/utf16'] as const;

function newMarkers(): Markers {
  return { forwarded: 'FWD' + randomBytes(10).toString('hex'), received: 'RCV' + randomBytes(10).toString('hex'), receivedLarge: 'BIG' + randomBytes(10).toString('hex') };
}

/** The needles for the markers: bytes and UTF-16LE forms, in the order of KINDS. */
function needles(m: Markers): Buffer[] {
  return [m.forwarded, m.received, m.receivedLarge].flatMap((t) => [Buffer.from(t), Buffer.from(t, 'utf16le')]);
}

/** A webhook endpoint that keeps every body it receives (the CDR sink's view). */
async function webhookReceiver(): Promise<{ server: Server; url: string; bodies: string[] }> {
  const bodies: string[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('latin1')));
    req.on('end', () => {
      bodies.push(body);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return { server, url: `http://127.0.0.1:${port}/cdr`, bodies };
}

/** Runs a meeting that uses every lane with the markers, ends it, and waits for its CDR. */
async function meetingWithMarkers(relay: RelayChild, dataDir: string, m: Markers): Promise<string> {
  const token = tokenMinter(dataDir);
  const mid = meetingId();
  const clients: EphemeraClient[] = [];
  const join = async (pid: string, role: 'host' | 'attendee', capabilities?: Array<'chat' | 'poll' | 'document' | 'audio' | 'video' | 'screen'>): Promise<EphemeraClient> => {
    const c = await connect({ url: relay.url, meetingId: mid, token: token(mid, pid, { role, ...(capabilities ? { capabilities } : {}) }) });
    clients.push(c);
    return c;
  };
  const host = await join('host', 'host');
  const guest = await join('guest', 'attendee');
  const muted = await join('muted', 'attendee', ['poll']);
  await waitFor(() => host.roster.size === 3 && guest.roster.size === 3, 5_000, 'roster');
  const F = m.forwarded;

  // Chat: to everyone, to one, to the hosts.
  const chats: string[] = [];
  guest.on('chat', (e) => chats.push(e.text));
  host.on('chat', (e) => chats.push(e.text));
  host.sendChat(`${F} to everyone €`);
  host.sendChat(`${F} to guest €`, { to: 'guest' });
  guest.sendChat(`${F} to the hosts €`, { hosts: true });
  await waitFor(() => chats.length === 3, 5_000, 'chat');

  // Media: audio, video, screen.
  let media = 0;
  guest.on('media', () => media++);
  host.publishTrack({ id: 1, source: 'audio', codec: 'opus' });
  host.publishTrack({ id: 2, source: 'video', codec: 'vp8' });
  host.publishTrack({ id: 3, source: 'screen', codec: 'vp8' });
  await waitFor(() => guest.tracks.size === 3, 5_000, 'tracks');
  for (const t of [1, 2, 3]) guest.subscribe('host', t);
  await sleep(200);
  for (let i = 0; i < 5; i++) for (const t of [1, 2, 3]) host.sendMedia(t, Buffer.from(`${F} media ${t}/${i} €`), { keyframe: true, timestamp: i + 1 });
  await waitFor(() => media >= 15, 5_000, 'media');

  // A poll: the question and options carry the marker; answers are option numbers.
  const tallies: unknown[] = [];
  host.on('pollTally', (e) => tallies.push(e));
  const opened = new Promise<void>((r) => guest.once('pollOpened', () => r()));
  const pollId = host.openPoll({ questions: [{ text: `${F} question €`, options: [`${F} option a €`, `${F} option b €`] }] });
  await opened;
  guest.answerPoll(pollId, [1]);
  await waitFor(() => tallies.length > 0, 5_000, 'poll tally');
  host.shareResults(pollId);

  // A document: its name and bytes carry the marker.
  const doc = Buffer.from(`${F} document body €\n`.repeat(4_000));
  const offered = new Promise<IncomingDocument>((r) => guest.once('documentOffered', r));
  const shared = host.shareDocument(doc, { name: `${F} report €.pdf`, type: 'application/pdf' });
  const incoming = await offered;
  expect(incoming.name).toContain(F);
  const got = await incoming.receive();
  await shared;
  expect(Buffer.from(got).equals(doc)).toBe(true);

  // Frames the relay receives and refuses: the received-only marker.
  const R = Buffer.from(`${m.received} €`);
  const refusals: string[] = [];
  guest.on('error', (e) => refusals.push(e.code));
  muted.on('error', (e) => refusals.push(e.code));
  guest.sendChat(`${m.received} to nobody €`, { to: 'nobody' });
  muted.sendChat(`${m.received} without the capability €`);
  guest.sendMedia(99, R);
  guest.sendMedia(98, Buffer.from(`${m.receivedLarge} large refused media frame €\n`.repeat(4_000)));
  guest.sendRaw(encodeEnvelope({ kind: Kind.PING, ref: 5, payload: R }));
  guest.sendRaw(encodeEnvelope({ kind: Kind.DOC_CHUNK, ref: 6, docChunk: { transferId: 'no-such-transfer', offset: 0 }, payload: R }));
  guest.sendRaw(encodeEnvelope({ kind: Kind.CHAT, ref: 7, audience: 1, to: 'nobody', payload: encodeChatMessage({ text: `${m.received} again €` }) }));
  await waitFor(() => refusals.length >= 6, 5_000, 'refusals');

  host.endMeeting();
  await Promise.all(clients.map((c) => c.closed));
  await waitFor(() => readCdrs(dataDir).some((r) => r.meetingId === mid && !r.partial), 10_000, 'CDR');
  return mid;
}

/** Collects garbage in the relay and has it write a heap snapshot into its cwd; resolves with the file. */
async function heapSnapshot(relay: RelayChild, cwd: string): Promise<string> {
  const before = new Set(readdirSync(cwd));
  process.kill(relay.pid, 'SIGUSR2');
  let done: string | undefined;
  await waitFor(() => (done = readdirSync(cwd).find((f) => f.endsWith('.heapsnapshot.done') && !before.has(f))) !== undefined, 30_000, 'heap snapshot');
  return join(cwd, done!.replace(/\.done$/, ''));
}

/** A hit with the malloc chunk it lies in (undefined outside the C heap). */
interface Located extends Hit {
  readonly chunk: HeapChunk | undefined;
}

/** Scans the relay's memory, stopped, and locates each hit in the C heap. */
function scan(relay: RelayChild, m: Markers): { hits: Located[]; bytes: number } {
  process.kill(relay.pid, 'SIGSTOP');
  try {
    const r = scanProcessMemory(relay.pid, needles(m));
    const chunks = heapChunksOf(relay.pid, r.hits.map((h) => h.address));
    return { hits: r.hits.map((h, i) => ({ ...h, chunk: chunks[i] })), bytes: r.bytes };
  } finally {
    process.kill(relay.pid, 'SIGCONT');
  }
}

/** Where a hit lies: a freed or live malloc chunk of the C heap (with its size), or another mapping. */
function place(h: Located): string {
  if (h.chunk === undefined) return mappingName(h.mapping);
  return `${h.chunk.inUse ? 'live' : 'freed'} ${Math.round(h.chunk.size / 1024)} KiB ${h.chunk.mmapped ? 'mmapped ' : ''}chunk`;
}

function summarize(hits: Located[]): Record<string, number | string> {
  const out: Record<string, number | string> = {};
  for (const h of hits) {
    const key = `${KINDS[h.needle]} in ${place(h)}`;
    out[key] = ((out[key] as number | undefined) ?? 0) + 1;
  }
  // What precedes the first hit in each live chunk tells which structure holds it.
  for (const c of liveChunks(hits)) {
    const first = hits.find((h) => h.chunk === c)!;
    out[`before a hit in the live ${Math.round(c.size / 1024)} KiB chunk at ${c.start.toString(16)}`] = first.before.toString('hex');
  }
  return out;
}

/** The distinct live chunks holding hits. */
function liveChunks(hits: Located[]): HeapChunk[] {
  const byStart = new Map<number, HeapChunk>();
  for (const h of hits) if (h.chunk?.inUse) byStart.set(h.chunk.start, h.chunk);
  return [...byStart.values()];
}

interface Run {
  relay: RelayChild;
  dataDir: string;
  cwd: string;
  webhook: Awaited<ReturnType<typeof webhookReceiver>>;
}

async function startRun(transport: TransportName, env: NodeJS.ProcessEnv = {}): Promise<Run> {
  const dataDir = mkdtempSync(join(tmpdir(), 'ephemera-trace-data-'));
  const cwd = mkdtempSync(join(tmpdir(), 'ephemera-trace-cwd-'));
  const webhook = await webhookReceiver();
  const relay = await startRelayChild({
    cwd,
    nodeArgs: ['--expose-gc', '--require', PRELOAD],
    env,
    args: [
      '--transport', transport, '--data-dir', dataDir, '--log-level', 'debug', '--empty-timeout-ms', '0',
      '--cdr-sinks', 'file,stdout,webhook', '--cdr-webhook-url', webhook.url,
      '--cdr-webhook-secrets', 'whsec_' + Buffer.from('canary-webhook-secret-0123456789').toString('base64'),
    ],
  });
  return { relay, dataDir, cwd, webhook };
}

describe.each(TRANSPORT_NAMES)('no trace over %s', (transport) => {
  let run: Run | undefined;
  afterEach(async () => {
    if (run === undefined) return;
    await run.relay.kill();
    await new Promise<void>((r) => run!.webhook.server.close(() => r()));
    rmSync(run.dataDir, { recursive: true, force: true });
    rmSync(run.cwd, { recursive: true, force: true });
    run = undefined;
  });

  it('leaves no marker of any lane in files, CDR sinks, logs, output or the heap, and wipes received bytes from memory', async () => {
    const m = newMarkers();
    run = await startRun(transport);
    const r = run;
    const mid = await meetingWithMarkers(r.relay, r.dataDir, m);
    await waitFor(() => r.webhook.bodies.some((b) => b.includes(mid)), 10_000, 'CDR at the webhook');
    await sleep(300);

    const snapshot = await heapSnapshot(r.relay, r.cwd);
    const memory = scan(r.relay, m);
    const received = memory.hits.filter((h) => h.needle === 2 || h.needle === 3);
    const large = memory.hits.filter((h) => h.needle >= 4);
    // eslint-disable-next-line no-console
    console.log(
      `no trace over ${transport}: scanned ${(memory.bytes / 1048576).toFixed(0)} MiB of writable private memory after GC; ` +
        `${memory.hits.length} hits ${JSON.stringify(summarize(memory.hits))}`,
    );

    // 2. The heap snapshot (strings, as JSON text: non-ASCII is escaped, the hex of the markers is not).
    const heap = readFileSync(snapshot);
    expect(heap.length).toBeGreaterThan(1_000_000);
    for (const n of needles(m)) expect(heap.includes(n), `marker in the heap snapshot (${n.toString('hex').slice(0, 16)})`).toBe(false);
    // 3. Received bytes are wiped: those of messages that arrived in one read on both transports, all of them on
    // ws. uWS keeps the unmasked bytes of a message that arrived over several reads in its receive buffer (live,
    // out of reach of JavaScript) until later reads overwrite them: SECURITY.md. Bounded to that one buffer.
    expect(received.map(place)).toEqual([]);
    if (transport === 'ws') expect(large.map(place)).toEqual([]);
    else expect(liveChunks(large).every((c) => c.size <= 640 * 1024)).toBe(true);

    // 1. Files, sinks, logs, outputs: after a clean shutdown, so that everything was flushed.
    r.relay.child.kill('SIGTERM');
    await r.relay.exited;
    const files = filesUnder(r.dataDir);
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) {
      const content = readFileSync(f);
      for (const n of needles(m)) expect(content.includes(n), `marker in ${f}`).toBe(false);
    }
    expect(r.webhook.bodies.length).toBeGreaterThan(0);
    for (const out of [r.relay.stdout(), r.relay.stderr(), ...r.webhook.bodies]) {
      for (const marker of [m.forwarded, m.received, m.receivedLarge]) expect(out.includes(marker)).toBe(false);
    }
    // The CDR reached every sink, as metadata: it names the meeting and the lanes used.
    expect(r.relay.stdout()).toContain(mid);
    const cdr = readCdrs(r.dataDir).find((c) => c.meetingId === mid && !c.partial)!;
    expect(cdr.features).toEqual(expect.arrayContaining(['chat', 'audio', 'video', 'screen_share', 'polls', 'documents']));
    // Debug logging was on and said something about the meeting.
    expect(r.relay.stderr()).toContain(mid);
    expect(existsSync(snapshot)).toBe(true);
  }, 90_000);

  it('with the C allocator wiping freed memory, leaves no marker in the relay process memory but in uWS\'s live buffers', async () => {
    const first = newMarkers();
    const second = newMarkers();
    run = await startRun(transport, { GLIBC_TUNABLES: HARDENED_MALLOC });
    await meetingWithMarkers(run.relay, run.dataDir, first);
    await meetingWithMarkers(run.relay, run.dataDir, second);
    await sleep(300);
    await heapSnapshot(run.relay, run.cwd);
    const earlier = scan(run.relay, first);
    const last = scan(run.relay, second);
    const all = [...earlier.hits, ...last.hits];
    const live = liveChunks(all);
    // eslint-disable-next-line no-console
    console.log(
      `no trace over ${transport} (${HARDENED_MALLOC}): scanned ${(earlier.bytes / 1048576).toFixed(0)} MiB; ` +
        `first meeting: ${earlier.hits.length} hits ${JSON.stringify(summarize(earlier.hits))}; last meeting: ${last.hits.length} hits ${JSON.stringify(summarize(last.hits))}`,
    );
    // Nothing in freed memory (the allocator wiped it), nothing outside the C heap (V8's heap included).
    expect(all.filter((h) => !h.chunk?.inUse).map(place)).toEqual([]);
    if (transport === 'ws') {
      expect(all.map(place)).toEqual([]);
    } else {
      // uWS keeps the last frames it wrote in buffers it reuses (its 16 KiB per-loop cork buffer, its pub/sub
      // staging) and the last large message it received in its 512 KiB receive buffer: live memory that no
      // allocator setting clears and JavaScript cannot reach, overwritten only by later traffic (SECURITY.md).
      // Nothing else: at most three such chunks, none larger than the receive buffer.
      expect(live.length).toBeLessThanOrEqual(3);
      for (const c of live) expect(c.size).toBeLessThanOrEqual(640 * 1024);
    }
  }, 120_000);
});
