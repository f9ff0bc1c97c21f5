/**
 * The compiled command (scripts/build-dist.mjs -> dist/ephemera.mjs, what `npm start` runs): it builds offline,
 * starts the relay on both transports without tsx, admits a join and drains on SIGTERM.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { connect } from '../../client/index.js';
import { DEFAULT_CAPABILITIES, loadOrCreateDevKeys, mintJoinToken } from '../../relay/auth/index.js';
import { TRANSPORTS } from '../helpers/relay-harness.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

describe('the compiled ephemera command', () => {
  beforeAll(async () => {
    await promisify(execFile)(process.execPath, [join(ROOT, 'scripts/build-dist.mjs')], { cwd: ROOT, timeout: 60_000 });
  }, 90_000);

  for (const transport of TRANSPORTS) {
    it(`runs the relay from dist/ over ${transport}: a join is welcomed, SIGTERM exits 0`, async () => {
      const dataDir = mkdtempSync(join(tmpdir(), 'ephemera-dist-'));
      const child = spawn(process.execPath, [join(ROOT, 'dist/ephemera.mjs'), 'relay', '--transport', transport, '--port', '0', '--admin-port', '0', '--data-dir', dataDir], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      try {
        let out = '';
        child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
        const url = await new Promise<string>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`no listening line: ${out}`)), 15_000);
          child.stdout!.on('data', () => {
            const m = /listening on (ws:\/\/\S+)/.exec(out);
            if (m && /admin on/.test(out)) {
              clearTimeout(timer);
              resolve(m[1]!);
            }
          });
          child.once('exit', () => reject(new Error(`exited early: ${out}`)));
        });
        const keys = loadOrCreateDevKeys(dataDir);
        const token = mintJoinToken(keys.privateKey, keys.kid, {
          issuer: 'ephemera-invite', audience: 'ephemera-relay', participantId: 'ann', meetingId: 'dist-m', role: 'host',
          capabilities: [...DEFAULT_CAPABILITIES.host], ttlSeconds: 60,
        });
        const client = await connect({ url, meetingId: 'dist-m', token });
        expect(client.you.id).toBe('ann');
        expect(client.participantCount).toBe(1);
        child.kill('SIGTERM');
        await client.closed;
        expect(await exited).toBe(0);
      } finally {
        if (child.exitCode === null) child.kill('SIGKILL');
        rmSync(dataDir, { recursive: true, force: true });
      }
    }, 60_000);
  }
});
