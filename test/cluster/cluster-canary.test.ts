/**
 * The canary across a cluster: three real relay processes joined by a real nats-server (logging to a file, with
 * a store folder), a meeting spread over them, and a marker in every lane's content (chat, poll text, document
 * name and bytes, media). After the meeting, the markers are in no file of any relay (data folders), in none of
 * their outputs (debug level), and in neither the nats-server log nor its store folder (JetStream on: the cluster's
 * id store of hashed ids lives there).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { connect, type EphemeraClient } from '../../client/index.js';
import { loadOrCreateDevKeys, mintJoinToken, DEFAULT_CAPABILITIES } from '../../relay/auth/index.js';
import { filesUnder } from '../helpers/files.js';
import { spawnRelay, type RelayProcess } from '../helpers/relay-process.js';
import { startNatsServer, type NatsServer } from '../helpers/nats-server.js';
import { readCdrs } from '../helpers/cdr-file.js';
import { meetingId, waitFor } from '../helpers/relay-harness.js';

describe('canary across a cluster', () => {
  const relays: RelayProcess[] = [];
  let nats: NatsServer | undefined;
  let root = '';
  afterEach(async () => {
    for (const r of relays) r.kill('SIGKILL');
    await nats?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  it('leaves no lane\'s marker in any relay\'s files or output, nor in nats-server\'s log or store', async () => {
    root = mkdtempSync(join(tmpdir(), 'ephemera-cluster-canary-'));
    const keys = loadOrCreateDevKeys(join(root, 'keys'));
    const natsLog = join(root, 'nats.log');
    const store = join(root, 'nats-store');
    mkdirSync(store);
    nats = await startNatsServer(['-D', '-l', natsLog, '-js', '-sd', store]);
    const dirs = [0, 1, 2].map((i) => join(root, `relay-${i}`));
    for (let i = 0; i < 3; i++) {
      relays.push(await spawnRelay(['--data-dir', dirs[i]!, '--log-level', 'debug', '--cdr-sinks', 'file,stdout', '--jwks-file', keys.jwksPath,
        '--cluster-nats', nats.url, '--cluster-node-id', `c${i}`, '--node', `canary-${i}`]));
    }
    for (let i = 0; i < 3; i++) await waitFor(() => /cluster: connected to NATS/.test(relays[i]!.stderr() + relays[i]!.stdout()), 10_000, `relay ${i} connected`);
    const marker = 'CANARY-' + randomBytes(12).toString('hex');
    const markerBytes = new TextEncoder().encode(marker);
    const mid = meetingId();
    const tokens: string[] = [];
    const clients: EphemeraClient[] = [];
    for (let i = 0; i < 6; i++) {
      const role = i === 0 ? 'host' : 'attendee';
      const token = mintJoinToken(keys.privateKey, keys.kid, {
        issuer: 'ephemera-invite', audience: 'ephemera-relay', participantId: `p${i}`, meetingId: mid,
        role, capabilities: [...DEFAULT_CAPABILITIES[role]], ttlSeconds: 600, displayName: 'Display ' + i,
      });
      tokens.push(token);
      clients.push(await connect({ url: relays[i % 3]!.url, meetingId: mid, token }));
    }
    await waitFor(() => clients.every((c) => c.roster.size === 6), 10_000, 'full roster');
    // Chat.
    const chats: string[] = [];
    clients[1]!.on('chat', (e) => chats.push(e.text));
    for (let i = 0; i < 10; i++) clients[0]!.sendChat(`${marker} chat ${i}`);
    clients[2]!.sendChat(`${marker} direct`, { to: 'p1' });
    // Poll.
    const opened: string[] = [];
    clients[2]!.on('pollOpened', (e) => opened.push(JSON.stringify(e)));
    const pollId = clients[0]!.openPoll({ questions: [{ text: `${marker} question`, options: [`${marker} yes`, 'no'] }] });
    await waitFor(() => opened.length === 1, 5_000, 'poll at relay 2');
    clients[2]!.answerPoll(pollId, [0]);
    // Document.
    const doc = new Uint8Array(200_000);
    for (let i = 0; i < doc.length; i += markerBytes.length) doc.set(markerBytes.subarray(0, Math.min(markerBytes.length, doc.length - i)), i);
    const offers = clients.slice(1).map((c) => new Promise<Uint8Array>((resolve) => c.once('documentOffered', (d) => void d.receive().then(resolve))));
    await clients[0]!.shareDocument(doc, { name: `${marker}.txt` });
    await Promise.all(offers);
    // Media.
    let media = 0;
    clients[5]!.on('media', () => media++);
    const announced = new Promise<void>((resolve) => clients[5]!.once('trackPublished', () => resolve()));
    clients[3]!.publishTrack({ id: 1, source: 'audio', codec: 'opus' });
    await announced;
    clients[5]!.subscribe('p3', 1);
    await waitFor(() => {
      clients[3]!.sendMedia(1, markerBytes, { audioLevel: 50 });
      return media >= 5;
    }, 10_000, 'media across relays');
    await waitFor(() => chats.length >= 11, 5_000, 'chat');
    expect(chats.some((t) => t.includes(marker))).toBe(true);
    clients[0]!.endMeeting();
    await Promise.all(clients.map((c) => c.closed));
    // One record for the meeting, written by its owner relay (relay/cluster/DESIGN.md).
    await waitFor(() => dirs.slice(0, 3).flatMap((d) => readCdrs(d)).some((r) => r.meetingId === mid && !r.partial), 15_000, 'the meeting\'s CDR');
    for (const r of relays) r.kill('SIGTERM');
    await Promise.all(relays.map((r) => r.exited));
    await nats.stop();

    // JetStream wrote the cluster's id store there (the ended meeting's digest): it holds no marker either.
    expect(filesUnder(store).some((f) => f.includes('KV_ephemera_ended_meetings'))).toBe(true);
    const files = [...dirs.flatMap((d) => filesUnder(d)), natsLog, ...filesUnder(store)];
    expect(files.length).toBeGreaterThan(3);
    for (const f of files) {
      const content = readFileSync(f);
      expect(content.includes(marker), `marker found in ${f}`).toBe(false);
      for (const t of tokens) expect(content.includes(t), `token found in ${f}`).toBe(false);
    }
    for (const r of relays) for (const out of [r.stdout(), r.stderr()]) {
      expect(out.includes(marker)).toBe(false);
      for (const t of tokens) expect(out.includes(t)).toBe(false);
    }
    expect(nats.log().includes(marker)).toBe(false);
  }, 90_000);
});
