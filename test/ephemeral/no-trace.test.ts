/**
 * The ephemerality proof, on both transports. A meeting carries a unique marker per lane and part: chat to
 * everyone, to one, to the hosts; a poll's question and options; a document's name and bytes; audio, video and
 * screen media (all forwarded); a poll answer's payload (tallied, never forwarded); small frames the relay refuses
 * (chat to nobody, chat without the capability, media on an unpublished track, a PING with a payload, a chunk of
 * no transfer); a large refused frame (200 KB, arriving over several reads).
 *
 * Positive control, during the meeting: a host that stopped reading gets every lane's frames behind 16 MiB of
 * filler, so the kernel's socket buffers are full and the relay holds that content in its send queue; a scan of
 * the relay's memory then must find every forwarded marker (else the scan could not see what it looks for).
 *
 * After the meeting ended, its CDR was written and the relay's side of every socket closed:
 * 1. no file under the relay's data folder, no CDR sink (file, stdout, a webhook receiver) and no log line contains
 *    any marker, and the relay's stdout and stderr never carried one (debug logging on);
 * 2. a V8 heap snapshot of the relay contains no marker (as text or UTF-16: the markers travel next to a
 *    non-Latin-1 character, so a JS string holding them would be two-byte);
 * 3. a scan of the relay's writable private memory (/proc/PID/mem), right after the CDR and again after garbage
 *    collection, finds no received-only marker (the transports wipe received messages), and no marker of any lane
 *    in live memory: ws 0 hits anywhere; uws none but in uWS's own live buffers (its 16 KiB cork buffer and its
 *    512 KiB receive buffer, SECURITY.md); freed C memory may hold copies Node and uWS made (the allocator does
 *    not clear it);
 * 4. with glibc's allocator told to wipe freed memory (GLIBC_TUNABLES=glibc.malloc.perturb=165:glibc.malloc.
 *    tcache_count=0, SECURITY.md), two meetings, each with its positive control: 0 hits of either meeting right
 *    after each CDR on ws; on uws none but in uWS's two live buffers.
 * Each hit is located in its malloc chunk (freed or live, and its size) by walking glibc's heap. Issue 11's finding
 * (poll texts and document names and chunks in live 8 KiB blocks of Node's Buffer pool: protobufjs 8's writer
 * buffers) fails point 3 on both transports.
 * The relay runs as a child process with node --expose-gc and a preloaded hook (snapshot-on-signal.cjs) that
 * collects garbage and writes a heap snapshot on SIGUSR2, in a temp folder outside the data folder.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { encodeChatMessage, encodeEnvelope, Kind } from '../../protocol/index.js';
import { connect, type EphemeraClient, type IncomingDocument } from '../../client/index.js';
import { filesUnder } from '../helpers/files.js';
import { readCdrs } from '../helpers/cdr-file.js';
import { meetingId, waitFor } from '../helpers/relay-harness.js';
import { metricValue, startRelayChild, tokenMinter, TRANSPORT_NAMES, type RelayChild, type TransportName } from '../integration/security-helpers.js';
import { heapChunksOf, mappingName, scanProcessMemory, type HeapChunk, type Hit } from './memory-scan.js';

const PRELOAD = fileURLToPath(new URL('./snapshot-on-signal.cjs', import.meta.url));
const HARDENED_MALLOC = 'glibc.malloc.perturb=165:glibc.malloc.tcache_count=0';
const MiB = 1024 * 1024;

/**
 * Content the relay forwards, one marker per lane and part: each must be found in the relay's memory while a
 * stalled receiver makes the relay hold it (the positive control), and nowhere once the meeting ended.
 */
const FORWARDED = ['chat/everyone', 'chat/one', 'chat/hosts', 'poll/question', 'poll/option', 'document/name', 'document/chunk', 'audio', 'video', 'screen'] as const;
/**
 * Content the relay only receives: a poll answer's payload (answers are tallied, never forwarded), small frames it
 * refuses (each arrives in one read) and a large refused frame (200 KB, over several reads).
 */
const RECEIVED = ['poll/answer', 'refused', 'refused-large'] as const;
const NAMES = [...FORWARDED, ...RECEIVED] as const;
type MarkerName = (typeof NAMES)[number];
type Markers = Readonly<Record<MarkerName, string>>;

function newMarkers(): Markers {
  const out: Partial<Record<MarkerName, string>> = {};
  // A short tag per marker (readable in a failure) and 10 random bytes (unique to this run).
  for (const n of NAMES) out[n] = n.replace(/[^a-z]/g, '').slice(0, 8).toUpperCase() + randomBytes(10).toString('hex');
  return out as Markers;
}

/** The needles for the markers: bytes and UTF-16LE forms; needle i is marker NAMES[i >> 1]. */
function needles(m: Markers): Buffer[] {
  return NAMES.flatMap((n) => [Buffer.from(m[n]), Buffer.from(m[n], 'utf16le')]);
}
const markerOf = (h: Hit): MarkerName => NAMES[h.needle >> 1]!;
const kindOf = (h: Hit): string => `${markerOf(h)}${h.needle & 1 ? '/utf16' : ''}`;

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

/** The TCP socket under an SDK client (Node: the `ws` package's WebSocket). */
function tcpOf(c: EphemeraClient): Socket {
  return (c.socket as unknown as { _socket: Socket })._socket;
}

/**
 * Runs a meeting that uses every lane with the markers, ends it, and waits for its CDR. A host that stops reading
 * (`staller`) receives every lane's frames behind 16 MiB of filler chat, so that the kernel's socket buffers are
 * full and the relay holds that content in its own send queue: `control` scans the relay then (the positive
 * control), before the staller reads again and the meeting ends.
 */
async function meetingWithMarkers(relay: RelayChild, dataDir: string, m: Markers, control: () => void): Promise<string> {
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
  const staller = await join('staller', 'host');
  await waitFor(() => host.roster.size === 4 && guest.roster.size === 4 && staller.roster.size === 4, 5_000, 'roster');

  // The staller subscribes to the host's tracks, then stops reading; its chat to the guest tells that the relay
  // handled the subscriptions.
  host.publishTrack({ id: 1, source: 'audio', codec: 'opus' });
  host.publishTrack({ id: 2, source: 'video', codec: 'vp8' });
  host.publishTrack({ id: 3, source: 'screen', codec: 'vp8' });
  await waitFor(() => guest.tracks.size === 3 && staller.tracks.size === 3, 5_000, 'tracks');
  for (const t of [1, 2, 3]) {
    guest.subscribe('host', t);
    staller.subscribe('host', t);
  }
  tcpOf(staller).pause();
  const chats: string[] = [];
  guest.on('chat', (e) => chats.push(e.text));
  host.on('chat', (e) => chats.push(e.text));
  staller.sendChat('subscribed', { to: 'guest' });
  await waitFor(() => chats.includes('subscribed'), 5_000, 'staller subscribed');

  // Filler (no marker) that only the staller receives: fills the kernel's buffers of its socket.
  for (let i = 0; i < 80; i++) host.sendChat(randomBytes(100 * 1024).toString('hex').slice(0, 200 * 1024), { to: 'staller' });

  // Chat: to everyone, to one (the staller), to the hosts (the host and the staller).
  host.sendChat(`${m['chat/everyone']} to everyone €`);
  host.sendChat(`${m['chat/one']} to the staller €`, { to: 'staller' });
  guest.sendChat(`${m['chat/hosts']} to the hosts €`, { hosts: true });
  await waitFor(() => chats.some((c) => c.includes(m['chat/everyone'])) && chats.some((c) => c.includes(m['chat/hosts'])), 10_000, 'chat');

  // Media: audio, video, screen.
  let media = 0;
  guest.on('media', () => media++);
  const src = { 1: 'audio', 2: 'video', 3: 'screen' } as const;
  for (let i = 0; i < 5; i++) for (const t of [1, 2, 3] as const) host.sendMedia(t, Buffer.from(`${m[src[t]]} media ${i} €`), { keyframe: true, timestamp: i + 1 });
  await waitFor(() => media >= 15, 5_000, 'media');

  // A poll: the question and options carry markers; the answers are option numbers, and one answer carries a
  // marker in its payload (the relay tallies answers and forwards nothing of them).
  const tallies: Array<{ answers: number }> = [];
  host.on('pollTally', (e) => tallies.push(e));
  const opened = new Promise<void>((r) => guest.once('pollOpened', () => r()));
  const pollId = host.openPoll({ questions: [{ text: `${m['poll/question']} question €`, options: [`${m['poll/option']} option a €`, `${m['poll/option']} option b €`] }] });
  await opened;
  guest.answerPoll(pollId, [1]);
  muted.sendRaw(encodeEnvelope({ kind: Kind.POLL_ANSWER, ref: 4, pollAnswer: { pollId, choices: [{ question: 0, options: [0] }] }, payload: Buffer.from(`${m['poll/answer']} answer €`) }));
  await waitFor(() => tallies.some((t) => t.answers === 2), 5_000, 'poll tally');
  host.shareResults(pollId);

  // A document: its name and bytes carry markers.
  const doc = Buffer.from(`${m['document/chunk']} document body €\n`.repeat(4_000));
  const offered = new Promise<IncomingDocument>((r) => guest.once('documentOffered', r));
  const shared = host.shareDocument(doc, { name: `${m['document/name']} report €.pdf`, type: 'application/pdf' });
  const incoming = await offered;
  expect(incoming.name).toContain(m['document/name']);
  const got = await incoming.receive();
  await shared;
  expect(Buffer.from(got).equals(doc)).toBe(true);

  // Frames the relay receives and refuses.
  const R = Buffer.from(`${m.refused} €`);
  const refusals: string[] = [];
  guest.on('error', (e) => refusals.push(e.code));
  muted.on('error', (e) => refusals.push(e.code));
  guest.sendChat(`${m.refused} to nobody €`, { to: 'nobody' });
  muted.sendChat(`${m.refused} without the capability €`);
  guest.sendMedia(99, R);
  guest.sendMedia(98, Buffer.from(`${m['refused-large']} large refused media frame €\n`.repeat(4_000)));
  guest.sendRaw(encodeEnvelope({ kind: Kind.PING, ref: 5, payload: R }));
  guest.sendRaw(encodeEnvelope({ kind: Kind.DOC_CHUNK, ref: 6, docChunk: { transferId: 'no-such-transfer', offset: 0 }, payload: R }));
  guest.sendRaw(encodeEnvelope({ kind: Kind.CHAT, ref: 7, audience: 1, to: 'nobody', payload: encodeChatMessage({ text: `${m.refused} again €` }) }));
  await waitFor(() => refusals.length >= 6, 5_000, 'refusals');

  // The relay holds every lane's content for the staller now: the positive control.
  host.sendChat('all sent');
  await waitFor(() => chats.includes('all sent'), 5_000, 'all sent');
  control();

  // The staller reads again and gets everything, in order.
  const stallerChats: string[] = [];
  staller.on('chat', (e) => stallerChats.push(e.text));
  tcpOf(staller).resume();
  await waitFor(() => stallerChats.includes('all sent'), 20_000, 'the staller caught up');
  expect(stallerChats.filter((c) => c.includes(m['chat/one']) || c.includes(m['chat/hosts'])).length).toBe(2);

  host.endMeeting();
  await Promise.all(clients.map((c) => c.closed));
  await waitFor(() => readCdrs(dataDir).some((r) => r.meetingId === mid && !r.partial), 10_000, 'CDR');
  // The relay's side of every socket closed too: the core saw every close, and the kernel holds no socket of the
  // relay's port but in TIME_WAIT (uWS frees a socket's buffers, its backpressure buffer included, when it
  // closes the file descriptor, which can be after the close handler ran: end() waits for the peer's FIN).
  await waitForRelay(
    async () => (await metricValue(relay.adminPort, 'ephemera_connections')) === 0 && openSocketsOnPort(relay.port).length === 0,
    () => `sockets closed (still open, TCP states: ${openSocketsOnPort(relay.port).join(', ')})`,
    30_000,
  );
  // A few more turns of the relay's event loop (each admin request is one): uSockets frees what a closed socket
  // held (its backpressure buffer) at the end of the loop iteration that closed it, which on a loaded machine can
  // trail the kernel's view of the socket.
  for (let i = 0; i < 3; i++) await metricValue(relay.adminPort, 'ephemera_connections');
  return mid;
}

/** TCP sockets whose local port is `port`, neither listening nor in TIME_WAIT: their states (/proc/net/tcp, tcp6). */
function openSocketsOnPort(port: number): string[] {
  const hex = port.toString(16).toUpperCase().padStart(4, '0');
  const n: string[] = [];
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    if (!existsSync(file)) continue;
    for (const line of readFileSync(file, 'utf8').split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 4 || !f[1]!.endsWith(`:${hex}`)) continue;
      if (f[3] !== '0A' && f[3] !== '06') n.push(f[3]!);
    }
  }
  return n;
}

/** Polls an asynchronous condition on the relay (its admin endpoint) until it holds. */
async function waitForRelay(cond: () => Promise<boolean>, what: () => string, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what()}`);
    await new Promise((r) => setTimeout(r, 10));
  }
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
    const key = `${kindOf(h)} in ${place(h)}`;
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
      // The staller's backlog (16 MiB of filler, then every lane) is held, not cut: the positive control.
      '--max-reliable-backlog-bytes', String(64 * MiB), '--hard-backpressure-bytes', String(128 * MiB), '--lossy-drop-bytes', String(48 * MiB),
    ],
  });
  return { relay, dataDir, cwd, webhook };
}

/** The positive control: scans the relay while it holds the staller's backlog; every forwarded marker must be there. */
function positiveControl(relay: RelayChild, m: Markers, label: string): void {
  const during = scan(relay, m);
  const found = new Set(during.hits.map(markerOf));
  // eslint-disable-next-line no-console
  console.log(`${label}, positive control during the meeting: ${during.hits.length} hits; found ${[...found].sort().join(', ')}`);
  expect(FORWARDED.filter((n) => !found.has(n)), 'forwarded markers the scan did not find while the relay held them').toEqual([]);
}

/**
 * uWS keeps bytes in live buffers it allocates once and reuses, out of JavaScript's reach (SECURITY.md): its 16 KiB
 * per-loop cork buffer (the last frames written) and its 512 KiB receive buffer (the last message that arrived over
 * several reads). Hits there are the documented exception: at most these two chunks, none larger than 640 KiB.
 */
function uwsOwnBuffers(hits: Located[]): void {
  const live = liveChunks(hits);
  expect(live.length).toBeLessThanOrEqual(2);
  for (const c of live) expect(c.size).toBeLessThanOrEqual(640 * 1024);
  expect(hits.filter((h) => !h.chunk?.inUse).map(place), 'hits outside uWS\'s live buffers').toEqual([]);
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

  it('leaves no marker of any lane in files, CDR sinks, logs, output or the heap, and no content in live memory', async () => {
    const m = newMarkers();
    run = await startRun(transport);
    const r = run;
    const mid = await meetingWithMarkers(r.relay, r.dataDir, m, () => positiveControl(r.relay, m, `no trace over ${transport}`));
    await waitFor(() => r.webhook.bodies.some((b) => b.includes(mid)), 10_000, 'CDR at the webhook');

    // Right after the CDR, before any forced garbage collection.
    const right = scan(r.relay, m);
    const snapshot = await heapSnapshot(r.relay, r.cwd);
    const memory = scan(r.relay, m);
    // eslint-disable-next-line no-console
    console.log(
      `no trace over ${transport}: scanned ${(memory.bytes / 1048576).toFixed(0)} MiB of writable private memory; right after the CDR ` +
        `${right.hits.length} hits ${JSON.stringify(summarize(right.hits))}; after GC ${memory.hits.length} hits ${JSON.stringify(summarize(memory.hits))}`,
    );

    // 2. The heap snapshot (strings, as JSON text: non-ASCII is escaped, the hex of the markers is not).
    const heap = readFileSync(snapshot);
    expect(heap.length).toBeGreaterThan(1_000_000);
    for (const n of needles(m)) expect(heap.includes(n), `marker in the heap snapshot (${n.toString('hex').slice(0, 16)})`).toBe(false);
    for (const s of [right, memory]) {
      // 3. Received bytes are wiped (the transports zero every received message after the core handled it): a
      // poll answer's payload and refused frames are nowhere. The large refused frame: see uwsOwnBuffers.
      expect(s.hits.filter((h) => markerOf(h) === 'poll/answer' || markerOf(h) === 'refused').map(place)).toEqual([]);
      // 4. No live memory holds content (issue 11: poll texts and document names/chunks sat in live 8 KiB blocks
      // of Node's Buffer pool: protobufjs' writer buffers). Freed C memory may (the allocator does not clear it:
      // the hardened run below); on uws, uWS's own live buffers (SECURITY.md).
      const live = s.hits.filter((h) => h.chunk === undefined || h.chunk.inUse);
      if (transport === 'ws') expect(live.map((h) => `${kindOf(h)} in ${place(h)}`)).toEqual([]);
      else uwsOwnBuffers(live);
    }

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
      for (const n of NAMES) expect(out.includes(m[n]), `${n} marker in an output`).toBe(false);
    }
    // The CDR reached every sink, as metadata: it names the meeting and the lanes used.
    expect(r.relay.stdout()).toContain(mid);
    const cdr = readCdrs(r.dataDir).find((c) => c.meetingId === mid && !c.partial)!;
    expect(cdr.features).toEqual(expect.arrayContaining(['chat', 'audio', 'video', 'screen_share', 'polls', 'documents']));
    // Debug logging was on and said something about the meeting.
    expect(r.relay.stderr()).toContain(mid);
    expect(existsSync(snapshot)).toBe(true);
  }, 120_000);

  it('with the C allocator wiping freed memory: 0 hits of any lane right after the CDR (uws: but in uWS\'s own buffers)', async () => {
    const first = newMarkers();
    const second = newMarkers();
    run = await startRun(transport, { GLIBC_TUNABLES: HARDENED_MALLOC });
    const r = run;
    const label = `no trace over ${transport} (${HARDENED_MALLOC})`;
    await meetingWithMarkers(r.relay, r.dataDir, first, () => positiveControl(r.relay, first, label));
    const firstRight = scan(r.relay, first);
    await meetingWithMarkers(r.relay, r.dataDir, second, () => positiveControl(r.relay, second, label));
    // Right after the second CDR, no forced garbage collection.
    const earlier = scan(r.relay, first);
    const last = scan(r.relay, second);
    // eslint-disable-next-line no-console
    console.log(
      `${label}: scanned ${(last.bytes / 1048576).toFixed(0)} MiB; right after the first CDR: ${firstRight.hits.length} hits ${JSON.stringify(summarize(firstRight.hits))}; ` +
        `after the second, first meeting: ${earlier.hits.length} hits ${JSON.stringify(summarize(earlier.hits))}; last meeting: ${last.hits.length} hits ${JSON.stringify(summarize(last.hits))}`,
    );
    for (const s of [firstRight, earlier, last]) {
      if (transport === 'ws') expect(s.hits.map((h) => `${kindOf(h)} in ${place(h)}`)).toEqual([]);
      else uwsOwnBuffers(s.hits);
    }
  }, 150_000);
});
