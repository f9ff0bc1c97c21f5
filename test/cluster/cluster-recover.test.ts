/**
 * The SDK recovers a cluster close by itself (client/reconnect.ts decideClose): real nats-server and relay
 * processes sharing --resume-secret-file. A participant's relay is stopped (SIGSTOP) past
 * --cluster-dead-after-ms and continued (SIGCONT): the relay closes its sessions with 4014
 * RELAY_ERR_CLUSTER_CUT_OFF, and the SDK comes back without the application doing anything:
 * - resumed through another relay (`reconnect.urls`) within the grace after the declaration;
 * - or, when the resume is refused (the stopped relay no longer holds the place), rejoined with its join token
 *   at the relay that answered (`rejoined`, a new session);
 * - a draining relay (SIGTERM, 1001 after MEETING_ENDED shutdown): with other relays listed, back through one of
 *   them and no `ended`; without, `ended` and close as on one relay;
 * - or, when the token is single-use (used by the first join), `failed` with the refusal and `rejoinBlocked`.
 * Chat from the others reaches it afterwards, and its chat reaches them.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import WebSocket from 'ws';
import { connect, type ConnectOptions, type EphemeraClient, type FailedEvent, type ReconnectingEvent, type RejoinedEvent, type ResumedEvent } from '../../client/index.js';
import { loadOrCreateDevKeys, mintJoinToken, DEFAULT_CAPABILITIES } from '../../relay/auth/index.js';
import { spawnRelay, type RelayProcess } from '../helpers/relay-process.js';
import { startNatsServer, type NatsServer } from '../helpers/nats-server.js';
import { meetingId, TRANSPORTS, waitFor } from '../helpers/relay-harness.js';
import { once } from '../integration/resume-helpers.js';

describe.each(TRANSPORTS)('the SDK recovers a cluster close over %s', (transport) => {
  const relays: RelayProcess[] = [];
  const clients: EphemeraClient[] = [];
  let nats: NatsServer | undefined;
  let root = '';
  afterEach(async () => {
    for (const c of clients) c.close();
    clients.length = 0;
    for (const r of relays) {
      r.kill('SIGCONT');
      r.kill('SIGKILL');
    }
    await Promise.all(relays.map((r) => r.exited));
    relays.length = 0;
    await nats?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  async function cluster(): Promise<ReturnType<typeof loadOrCreateDevKeys>> {
    root = mkdtempSync(join(tmpdir(), 'ephemera-cluster-recover-'));
    const keys = loadOrCreateDevKeys(join(root, 'keys'));
    const secretFile = join(root, 'resume-secret');
    writeFileSync(secretFile, randomBytes(32).toString('base64url'), { mode: 0o600 });
    // JetStream: the cluster's store of used single-use tokens.
    nats = await startNatsServer(['-js', '-sd', join(root, 'nats')]);
    for (let i = 0; i < 2; i++) {
      relays.push(await spawnRelay([
        '--transport', transport, '--data-dir', join(root, `relay-${i}`), '--log-level', 'info', '--jwks-file', keys.jwksPath,
        '--cluster-nats', nats.url, '--cluster-node-id', `r${i}`, '--node', `relay-${i}`, '--resume-grace-ms', '15000',
        '--cluster-heartbeat-ms', '250', '--cluster-dead-after-ms', '1500', '--resume-secret-file', secretFile,
      ]));
    }
    for (let i = 0; i < 2; i++) {
      await waitFor(() => /cluster: connected to NATS/.test(relays[i]!.stderr() + relays[i]!.stdout()), 10_000, `relay ${i} connected`);
    }
    return keys;
  }

  function token(keys: ReturnType<typeof loadOrCreateDevKeys>, mid: string, pid: string, single = false): string {
    return mintJoinToken(keys.privateKey, keys.kid, {
      issuer: 'ephemera-invite', audience: 'ephemera-relay', participantId: pid, meetingId: mid,
      role: 'attendee', capabilities: [...DEFAULT_CAPABILITIES.attendee], ttlSeconds: 600, displayName: `Name ${pid}`,
      ...(single ? { singleUse: true } : {}),
    });
  }

  /** a and b on relay 0, r on relay 1; relay 1 is stopped until a sees r leave (relay_failure), then continued. */
  async function stopAndContinue(r: EphemeraClient, a: EphemeraClient): Promise<ReconnectingEvent[]> {
    const reconnecting: ReconnectingEvent[] = [];
    r.on('reconnecting', (e) => reconnecting.push(e));
    const left = new Promise<void>((resolve) => a.on('roster', (e) => e.change === 'left' && e.participant.id === 'r' && e.reason === 'relay_failure' && resolve()));
    relays[1]!.kill('SIGSTOP');
    await left;
    relays[1]!.kill('SIGCONT');
    return reconnecting;
  }

  async function chatBothWays(a: EphemeraClient, b: EphemeraClient, r: EphemeraClient): Promise<void> {
    const atR: string[] = [];
    r.on('chat', (e) => atR.push(`${e.from}:${e.text}`));
    for (let i = 0; i < 10; i++) a.sendChat(`a${i}`);
    for (let i = 0; i < 10; i++) b.sendChat(`b${i}`);
    await waitFor(() => atR.length === 20, 10_000, () => `20 chats at r after it came back (got ${atR.length})`);
    expect(atR.filter((t) => t.startsWith('a:'))).toEqual(Array.from({ length: 10 }, (_, i) => `a:a${i}`));
    expect(atR.filter((t) => t.startsWith('b:'))).toEqual(Array.from({ length: 10 }, (_, i) => `b:b${i}`));
    const atA: string[] = [];
    a.on('chat', (e) => e.from === 'r' && atA.push(e.text));
    for (let i = 0; i < 10; i++) r.sendChat(`r${i}`);
    await waitFor(() => atA.length === 10, 10_000, 'r\'s chats at a');
    expect(atA).toEqual(Array.from({ length: 10 }, (_, i) => `r${i}`));
  }

  it('4014 after SIGSTOP/SIGCONT: the SDK resumes through another relay (reconnect.urls) and chat goes on', async () => {
    const keys = await cluster();
    const mid = meetingId();
    const a = await connect({ url: relays[0]!.url, meetingId: mid, token: token(keys, mid, 'a') });
    const b = await connect({ url: relays[0]!.url, meetingId: mid, token: token(keys, mid, 'b') });
    const urls: string[] = [];
    const r = await connect({
      url: relays[1]!.url, meetingId: mid, token: token(keys, mid, 'r'),
      reconnect: { initialDelayMs: 100, maxDelayMs: 300, urls: [relays[0]!.url] },
      WebSocket: class extends WebSocket {
        constructor(url: string, protocols: string[]) {
          super(url, protocols);
          urls.push(url);
        }
      } as unknown as ConnectOptions['WebSocket'],
    });
    clients.push(a, b, r);
    await waitFor(() => a.roster.size === 3 && r.roster.size === 3, 10_000, 'everyone in both rosters');
    const closes: number[] = [];
    r.on('close', (e) => closes.push(e.code));
    const resumed = once<ResumedEvent>(r, 'resumed', 20_000);
    const reconnecting = await stopAndContinue(r, a);
    const ev = await resumed;
    expect(reconnecting[0]).toMatchObject({ attempt: 1, code: 4014, mode: 'resume' });
    // At once through relay 0 (the credential relay 1 issued), which says the window is gone.
    expect(ev.attempts).toBe(1);
    expect(urls.slice(1).map((u) => u.startsWith(relays[0]!.url))).toEqual([true]);
    expect(ev.gap?.countsKnown).toBe(false);
    expect(r.isClosed).toBe(false);
    expect(closes).toEqual([]);
    await waitFor(() => a.roster.has('r') && b.roster.has('r'), 5_000, 'r back in the rosters');
    await chatBothWays(a, b, r);
  }, 60_000);

  it('4014, resume refused by the relay that let it go (continued): the SDK rejoins there with its token', async () => {
    const keys = await cluster();
    const mid = meetingId();
    const a = await connect({ url: relays[0]!.url, meetingId: mid, token: token(keys, mid, 'a') });
    const b = await connect({ url: relays[0]!.url, meetingId: mid, token: token(keys, mid, 'b') });
    // Recovery attempt 1 is URL attempt 2: the continued relay 1 (it closed the session: no place to resume).
    // The rejoin starts at the relay that answered (relay 1, live again); relay 0 after that.
    const r = await connect({
      url: relays[1]!.url, meetingId: mid, token: token(keys, mid, 'r'),
      reconnect: { initialDelayMs: 100, maxDelayMs: 300, urlFor: (n) => (n <= 2 ? relays[1]!.url : relays[0]!.url) },
    });
    clients.push(a, b, r);
    await waitFor(() => a.roster.size === 3 && r.roster.size === 3, 10_000, 'everyone in both rosters');
    // Media before: a publishes audio, r subscribes to it and publishes its own; the rejoin must keep both.
    const aTrack = new Promise<void>((resolve) => r.on('trackPublished', (t) => t.publisher === 'a' && resolve()));
    a.publishTrack({ id: 1, source: 'audio', codec: 'opus' });
    await aTrack;
    r.subscribe('a', 1);
    const atA = new Promise<void>((resolve) => a.on('trackPublished', (t) => t.publisher === 'r' && resolve()));
    r.publishTrack({ id: 7, source: 'audio', codec: 'opus' });
    await atA;
    const firstSession = r.welcome.resumeCredential;
    const rejoined = once<RejoinedEvent>(r, 'rejoined', 20_000);
    const reconnecting = await stopAndContinue(r, a);
    const ev = await rejoined;
    expect(ev).toMatchObject({ code: 4014, resumeRefused: 'RELAY_ERR_RESUME_REFUSED' });
    expect(reconnecting.map((e) => [e.code, e.mode])).toEqual([[4014, 'resume'], ...reconnecting.slice(1).map(() => [4014, 'rejoin'])]);
    expect(reconnecting.length).toBeGreaterThanOrEqual(2);
    // A new session (on the continued relay, which answered the resume): a new WELCOME, not resumed.
    expect(r.welcome.relayNode).toBe('relay-1');
    expect(ev.attempts).toBe(2);
    expect(r.welcome.resumed ?? false).toBe(false);
    expect(r.welcome.resumeCredential).not.toBe(firstSession);
    expect(r.isClosed).toBe(false);
    await waitFor(() => a.roster.has('r') && r.roster.has('a') && r.roster.has('b'), 5_000, 'r back in the rosters');
    await chatBothWays(a, b, r);
    // The SDK published r's track again and subscribed again to a's (nobody did it by hand).
    await waitFor(() => a.tracks.has('r/7'), 5_000, 'r\'s track published again');
    expect(r.tracks.has('a/1')).toBe(true);
    const media: number[] = [];
    r.on('media', (m) => m.from === 'a' && media.push(m.track));

    const frame = new Uint8Array([1, 2, 3]);
    // Lossy: sent until one arrives (bounded), the subscription may take a moment to reach relay 0.
    for (let i = 0; i < 200 && media.length === 0; i++) {
      a.sendMedia(1, frame, { audioLevel: 10 });
      await new Promise((res) => setTimeout(res, 20));
    }
    expect(media[0]).toBe(1);
  }, 60_000);

  it('4014 with a single-use token and the resume refused: failed with the reason (no rejoin), then close', async () => {
    const keys = await cluster();
    const mid = meetingId();
    const a = await connect({ url: relays[0]!.url, meetingId: mid, token: token(keys, mid, 'a') });
    const r = await connect({
      url: relays[1]!.url, meetingId: mid, token: token(keys, mid, 'r', true),
      reconnect: { initialDelayMs: 100, maxDelayMs: 300, urlFor: () => relays[1]!.url },
    });
    clients.push(a, r);
    await waitFor(() => a.roster.size === 2 && r.roster.size === 2, 10_000, 'both rosters');
    const failed = once<FailedEvent>(r, 'failed', 20_000);
    const closed = once<{ code: number }>(r, 'close', 20_000);
    await stopAndContinue(r, a);
    expect(await failed).toMatchObject({ reason: 'RELAY_ERR_RESUME_REFUSED', code: 4014, rejoinBlocked: 'token_single_use' });
    expect((await closed).code).toBe(4014);
    expect(r.isClosed).toBe(true);
  }, 60_000);

  it('1001 from a draining relay (SIGTERM) with other relays listed: no `ended`, the SDK comes back through another relay', async () => {
    const keys = await cluster();
    const mid = meetingId();
    const a = await connect({ url: relays[0]!.url, meetingId: mid, token: token(keys, mid, 'a') });
    const b = await connect({ url: relays[0]!.url, meetingId: mid, token: token(keys, mid, 'b') });
    const r = await connect({ url: relays[1]!.url, meetingId: mid, token: token(keys, mid, 'r'), reconnect: { initialDelayMs: 100, maxDelayMs: 300, urls: [relays[0]!.url] } });
    clients.push(a, b, r);
    await waitFor(() => a.roster.size === 3 && r.roster.size === 3, 10_000, 'everyone in both rosters');
    const ended: string[] = [];
    r.on('ended', (e) => ended.push(e.reason));
    const reconnecting: ReconnectingEvent[] = [];
    r.on('reconnecting', (e) => reconnecting.push(e));
    const back = new Promise<string>((resolve) => {
      r.once('resumed', () => resolve('resumed'));
      r.once('rejoined', () => resolve('rejoined'));
    });
    relays[1]!.kill('SIGTERM');
    expect((await relays[1]!.exited).code).toBe(0);
    const how = await back;
    console.info(`drain: r came back ${how} after ${reconnecting.length} attempt(s)`);
    expect(reconnecting[0]).toMatchObject({ code: 1001, mode: 'resume' });
    expect(ended).toEqual([]);
    expect(r.isClosed).toBe(false);
    await waitFor(() => a.roster.has('r') && b.roster.has('r'), 5_000, 'r back in the rosters');
    await chatBothWays(a, b, r);
  }, 60_000);

  it('1001 from a draining relay without other relays listed: `ended` (shutdown), then close, as on one relay', async () => {
    const keys = await cluster();
    const mid = meetingId();
    const a = await connect({ url: relays[0]!.url, meetingId: mid, token: token(keys, mid, 'a') });
    const r = await connect({ url: relays[1]!.url, meetingId: mid, token: token(keys, mid, 'r'), reconnect: { initialDelayMs: 100 } });
    clients.push(a, r);
    await waitFor(() => a.roster.size === 2 && r.roster.size === 2, 10_000, 'both rosters');
    const ended = new Promise<{ reason: string }>((resolve) => r.once('ended', resolve));
    const reconnecting: ReconnectingEvent[] = [];
    r.on('reconnecting', (e) => reconnecting.push(e));
    relays[1]!.kill('SIGTERM');
    expect(await ended).toEqual({ reason: 'shutdown' });
    expect((await r.closed).code).toBe(1001);
    expect(reconnecting).toEqual([]);
  }, 60_000);
});
