/**
 * Resume across a cluster (issue 15): real nats-server and relay processes sharing --resume-secret-file. A
 * participant whose relay is killed with kill -9 resumes on another relay within the grace (the SDK's
 * `reconnect.urls`): that relay verifies the credential the dead one issued, seats it, and says with RESUME_GAP
 * (counts unknown) that what the dead relay had for it is gone; chat goes on both ways in per-sender order and
 * the others see it back. Without the secret resume is off in cluster mode; a bad secret file stops startup
 * with an error naming the setting.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { connect, type ChatEvent, type EphemeraClient, type ResumedEvent } from '../../client/index.js';
import { loadOrCreateDevKeys, mintJoinToken, DEFAULT_CAPABILITIES } from '../../relay/auth/index.js';
import { spawnRelay, type RelayProcess } from '../helpers/relay-process.js';
import { startNatsServer, type NatsServer } from '../helpers/nats-server.js';
import { meetingId, TRANSPORTS, waitFor } from '../helpers/relay-harness.js';
import { once, startCutProxy } from '../integration/resume-helpers.js';
import { startCluster } from '../helpers/cluster-harness.js';
import type { RosterEvent } from '../../client/index.js';

describe.each(TRANSPORTS)('resume across a cluster over %s', (transport) => {
  const relays: RelayProcess[] = [];
  const clients: EphemeraClient[] = [];
  let nats: NatsServer | undefined;
  let root = '';
  afterEach(async () => {
    for (const c of clients) c.close();
    clients.length = 0;
    for (const r of relays) r.kill('SIGKILL');
    await Promise.all(relays.map((r) => r.exited));
    relays.length = 0;
    await nats?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  async function cluster(count: number, secret: boolean): Promise<ReturnType<typeof loadOrCreateDevKeys>> {
    root = mkdtempSync(join(tmpdir(), 'ephemera-cluster-resume-'));
    const keys = loadOrCreateDevKeys(join(root, 'keys'));
    const secretFile = join(root, 'resume-secret');
    writeFileSync(secretFile, randomBytes(32).toString('base64url'), { mode: 0o600 });
    nats = await startNatsServer();
    for (let i = 0; i < count; i++) {
      relays.push(await spawnRelay([
        '--transport', transport, '--data-dir', join(root, `relay-${i}`), '--log-level', 'info', '--jwks-file', keys.jwksPath,
        '--cluster-nats', nats.url, '--cluster-node-id', `r${i}`, '--node', `relay-${i}`, '--resume-grace-ms', '15000',
        ...(secret ? ['--resume-secret-file', secretFile] : []),
      ]));
    }
    for (let i = 0; i < count; i++) {
      await waitFor(() => /cluster: connected to NATS/.test(relays[i]!.stderr() + relays[i]!.stdout()), 10_000, `relay ${i} connected`);
    }
    return keys;
  }

  function token(keys: ReturnType<typeof loadOrCreateDevKeys>, mid: string, pid: string): string {
    return mintJoinToken(keys.privateKey, keys.kid, {
      issuer: 'ephemera-invite', audience: 'ephemera-relay', participantId: pid, meetingId: mid,
      role: 'attendee', capabilities: [...DEFAULT_CAPABILITIES.attendee], ttlSeconds: 600, displayName: `Name ${pid}`,
    });
  }

  it('a participant whose relay is killed resumes on another relay: the gap frame, then chat in order both ways', async () => {
    const keys = await cluster(2, true);
    const mid = meetingId();
    const a = await connect({ url: relays[0]!.url, meetingId: mid, token: token(keys, mid, 'a') });
    const b = await connect({ url: relays[0]!.url, meetingId: mid, token: token(keys, mid, 'b') });
    const r = await connect({
      url: relays[1]!.url, meetingId: mid, token: token(keys, mid, 'r'),
      reconnect: { initialDelayMs: 100, maxDelayMs: 300, urls: [relays[0]!.url] },
    });
    clients.push(a, b, r);
    await waitFor(() => a.roster.size === 3 && r.roster.size === 3, 10_000, 'everyone in both rosters');
    expect(r.welcome.resumeCredential).toMatch(/^[A-Za-z0-9_-]+\.[0-9a-z]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    const got: ChatEvent[] = [];
    r.on('chat', (e) => got.push(e));
    a.sendChat('before');
    await waitFor(() => got.length === 1, 5_000, 'the chat before the kill');

    const resumed = once<ResumedEvent>(r, 'resumed', 15_000);
    const dead = relays[1]!;
    dead.kill('SIGKILL');
    expect((await dead.exited).signal).toBe('SIGKILL');
    const ev = await resumed;
    // The window lived on the relay that died: the gap frame says so (counts unknown), the session goes on.
    expect(ev.gap).not.toBeNull();
    expect(ev.gap!.countsKnown).toBe(false);
    expect(ev.attempts).toBeGreaterThanOrEqual(2);
    expect(r.isClosed).toBe(false);
    expect(r.roster.has('a') && r.roster.has('b')).toBe(true);

    // Chat goes on, in per-sender order, both ways; the others see r back.
    for (let i = 0; i < 100; i++) a.sendChat(`a${i}`);
    for (let i = 0; i < 100; i++) b.sendChat(`b${i}`);
    await waitFor(() => got.length === 201, 10_000, () => `200 chats after the resume (got ${got.length - 1})`);
    const from = (who: string): string[] => got.filter((e) => e.from === who).map((e) => e.text);
    expect(from('a')).toEqual(['before', ...Array.from({ length: 100 }, (_, i) => `a${i}`)]);
    expect(from('b')).toEqual(Array.from({ length: 100 }, (_, i) => `b${i}`));
    const atA: string[] = [];
    a.on('chat', (e) => e.from === 'r' && atA.push(e.text));
    for (let i = 0; i < 50; i++) r.sendChat(`r${i}`);
    await waitFor(() => atA.length === 50, 10_000, 'r\'s chats at a');
    expect(atA).toEqual(Array.from({ length: 50 }, (_, i) => `r${i}`));
    expect(a.roster.has('r')).toBe(true);
    expect(b.roster.get('r')?.displayName).toBe('Name r');
  }, 60_000);

  it('after the dead relay was declared dead (its members left with relay_failure) the participant still resumes within the grace', async () => {
    const keys = await cluster(2, true);
    const mid = meetingId();
    const a = await connect({ url: relays[0]!.url, meetingId: mid, token: token(keys, mid, 'a') });
    let declared = false;
    const r = await connect({
      url: relays[1]!.url, meetingId: mid, token: token(keys, mid, 'r'),
      // The dead relay's URL until a has seen r leave with relay_failure: the resume comes after the declaration.
      reconnect: { initialDelayMs: 100, maxDelayMs: 300, urlFor: () => (declared ? relays[0]!.url : relays[1]!.url) },
    });
    clients.push(a, r);
    await waitFor(() => a.roster.size === 2 && r.roster.size === 2, 10_000, 'both rosters');
    const roster: Array<[string, string, string]> = [];
    a.on('roster', (e) => {
      roster.push([e.change, e.participant.id, e.reason]);
      if (e.change === 'left' && e.participant.id === 'r' && e.reason === 'relay_failure') declared = true;
    });
    const resumed = once<ResumedEvent>(r, 'resumed', 20_000);
    relays[1]!.kill('SIGKILL');
    const ev = await resumed;
    expect(declared).toBe(true);
    expect(ev.gap?.countsKnown).toBe(false);
    await waitFor(() => a.roster.has('r'), 5_000, 'r back in a\'s roster');
    expect(roster).toEqual([['left', 'r', 'relay_failure'], ['joined', 'r', '']]);
    const got: string[] = [];
    r.on('chat', (e) => got.push(e.text));
    for (let i = 0; i < 20; i++) a.sendChat(`m${i}`);
    await waitFor(() => got.length === 20, 5_000, 'chat after the resume');
    expect(got).toEqual(Array.from({ length: 20 }, (_, i) => `m${i}`));
  }, 60_000);

  it('a cut on the same relay of a cluster: the place is held (others see reconnecting), the session resumes from the window (no gap frame)', async () => {
    root = mkdtempSync(join(tmpdir(), 'ephemera-cluster-resume-'));
    const secretFile = join(root, 'resume-secret');
    writeFileSync(secretFile, randomBytes(32).toString('base64url'));
    const c = await startCluster(2, transport, { resumeSecretFile: secretFile, resumeGraceMs: 15_000 });
    const proxy = await startCutProxy(c.relays[1]!.url);
    try {
      const mid = meetingId();
      const a = await c.join(0, mid, 'a');
      const r = await connect({ url: proxy.url, meetingId: mid, token: c.token(mid, 'r'), reconnect: { initialDelayMs: 100, maxDelayMs: 300 } });
      clients.push(r);
      await waitFor(() => a.roster.size === 2 && r.roster.size === 2, 10_000, 'both rosters');
      const roster: RosterEvent[] = [];
      a.on('roster', (e) => roster.push(e));
      const resumed = once<ResumedEvent>(r, 'resumed', 15_000);
      proxy.cut(1_000);
      await waitFor(() => roster.some((e) => e.change === 'reconnecting'), 5_000, 'a sees r reconnecting');
      const ev = await resumed;
      // The relay lives: its window covers the cut (test/cluster/cluster-resume-window.test.ts for the storm).
      expect(ev.gap).toBeNull();
      await waitFor(() => roster.some((e) => e.change === 'resumed'), 5_000, 'a sees r back');
      expect(roster.map((e) => e.change)).toEqual(['reconnecting', 'resumed']);
      const got: string[] = [];
      r.on('chat', (e) => got.push(e.text));
      for (let i = 0; i < 20; i++) a.sendChat(`m${i}`);
      await waitFor(() => got.length === 20, 5_000, 'chat after the resume');
      expect(got).toEqual(Array.from({ length: 20 }, (_, i) => `m${i}`));
    } finally {
      await proxy.close();
      await c.close();
    }
  }, 60_000);

  it('without the shared secret resume is off in cluster mode (no credential); a bad secret file stops startup naming the setting', async () => {
    const keys = await cluster(2, false);
    const mid = meetingId();
    const a = await connect({ url: relays[0]!.url, meetingId: mid, token: token(keys, mid, 'a') });
    clients.push(a);
    // Resume is off in cluster mode without the secret: no credential is offered.
    expect(a.welcome.resumeCredential ?? '').toBe('');
    const short = join(root, 'short-secret');
    writeFileSync(short, 'too short');
    await expect(spawnRelay(['--data-dir', join(root, 'relay-x'), '--cluster-nats', nats!.url, '--resume-secret-file', short], {}, 5_000)).rejects.toThrow(/--resume-secret-file/);
  }, 30_000);
});
