/**
 * Sharing one port between relay processes (uws on Linux, SO_REUSEPORT): two real `ephemera relay` processes with
 * `--reuse-port` listen on the same port and the kernel spreads connections over both; without it, the second
 * fails to start with an error naming the address. ws cannot share a port on Node 20: a startup error naming the
 * setting.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { connect } from '../../client/index.js';
import { DEFAULT_CAPABILITIES, loadOrCreateDevKeys, mintJoinToken } from '../../relay/auth/index.js';
import { EPHEMERA_BIN, spawnRelay, type RelayProcess } from '../helpers/relay-process.js';
import { freePort } from '../helpers/nats-server.js';
import { meetingId } from '../helpers/relay-harness.js';

const run = promisify(execFile);

describe.runIf(process.platform === 'linux')('--reuse-port', () => {
  const relays: RelayProcess[] = [];
  const dirs: string[] = [];
  afterEach(async () => {
    for (const r of relays.splice(0)) {
      r.kill('SIGKILL');
      await r.exited;
    }
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('lets two uws relay processes share a port, and keeps it exclusive without it', async () => {
    const keysDir = mkdtempSync(join(tmpdir(), 'ephemera-reuse-keys-'));
    dirs.push(keysDir);
    const keys = loadOrCreateDevKeys(keysDir);
    const port = await freePort();
    for (const node of ['shared-a', 'shared-b']) {
      const dataDir = mkdtempSync(join(tmpdir(), 'ephemera-reuse-'));
      dirs.push(dataDir);
      relays.push(await spawnRelay(['--port', String(port), '--reuse-port', '--node', node, '--data-dir', dataDir, '--jwks-file', keys.jwksPath, '--log-level', 'warn']));
    }
    expect(relays[0]!.url).toBe(relays[1]!.url);
    // New connections land on both processes (the kernel hashes each connection's addresses and ports).
    const seen = new Set<string>();
    for (let i = 0; i < 64 && seen.size < 2; i++) {
      const mid = meetingId();
      const token = mintJoinToken(keys.privateKey, keys.kid, {
        issuer: 'ephemera-invite', audience: 'ephemera-relay', participantId: `p${i}`, meetingId: mid, role: 'host',
        capabilities: [...DEFAULT_CAPABILITIES.host], ttlSeconds: 600,
      });
      const c = await connect({ url: relays[0]!.url, meetingId: mid, token });
      seen.add(c.welcome.relayNode ?? '');
      c.close();
    }
    expect([...seen].sort()).toEqual(['shared-a', 'shared-b']);

    // Without --reuse-port the port is exclusive: a third relay on it (even with --reuse-port on the others) fails.
    const dataDir = mkdtempSync(join(tmpdir(), 'ephemera-reuse-'));
    dirs.push(dataDir);
    const third = await run(process.execPath, [EPHEMERA_BIN, 'relay', '--port', String(port), '--admin-port', '0', '--data-dir', dataDir, '--jwks-file', keys.jwksPath], { timeout: 20_000 })
      .then(() => ({ code: 0, stderr: '' }), (e: { code: number; stderr: string }) => ({ code: e.code, stderr: e.stderr }));
    expect(third.code).toBe(1);
    expect(third.stderr).toContain(`cannot listen on 127.0.0.1:${port}`);
  }, 60_000);

  it('is a startup error with the ws transport, naming the setting', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'ephemera-reuse-'));
    dirs.push(dataDir);
    const res = await run(process.execPath, [EPHEMERA_BIN, 'relay', '--transport', 'ws', '--reuse-port', '--port', '0', '--admin-port', '0', '--data-dir', dataDir], { timeout: 20_000 })
      .then(() => ({ code: 0, stderr: '' }), (e: { code: number; stderr: string }) => ({ code: e.code, stderr: e.stderr }));
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/reusePort|--reuse-port/);
  }, 30_000);
});
