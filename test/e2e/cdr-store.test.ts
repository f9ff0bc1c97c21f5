/**
 * The relay and its CDR store: it refuses to start when it cannot write CDRs, and when the store fails at run time
 * (a full disk) it stops admitting participants (readyz 503, joins 503) rather than run meetings it cannot record.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { execFile, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { connect } from '../../client/index.js';
import { loadOrCreateDevKeys, mintJoinToken, DEFAULT_CAPABILITIES } from '../../token/index.js';
import { EPHEMERA_BIN, spawnRelay, type RelayProcess } from '../helpers/relay-process.js';
import { meetingId, waitFor } from '../helpers/relay-harness.js';

const run = promisify(execFile);

describe('relay and its CDR store', () => {
  const dirs: string[] = [];
  let relay: RelayProcess | undefined;
  let mounted: string | undefined;
  afterEach(() => {
    relay?.kill('SIGKILL');
    relay = undefined;
    if (mounted !== undefined) spawnSync('umount', ['-l', mounted]);
    mounted = undefined;
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('refuses to start, naming the path, when the CDR folder cannot be written', async () => {
    const base = mkdtempSync(join(tmpdir(), 'ephemera-cdr-start-'));
    dirs.push(base);
    writeFileSync(join(base, 'not-a-folder'), 'x');
    const dataDir = join(base, 'not-a-folder', 'data');
    const result = await run(process.execPath, [EPHEMERA_BIN, 'relay', '--port', '0', '--admin-port', '0', '--data-dir', dataDir], { timeout: 20_000 }).then(
      () => ({ code: 0, stderr: '' }),
      (e: { code: number; stderr: string }) => ({ code: e.code, stderr: e.stderr }),
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('cannot start');
    expect(result.stderr).toContain('not-a-folder');
  });

  it('stops admitting (readyz 503, joins 503) when the disk fills at run time', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'ephemera-cdr-full-'));
    dirs.push(dataDir);
    const keys = loadOrCreateDevKeys(dataDir);
    const cdrDir = join(dataDir, 'cdr');
    mkdirSync(cdrDir);
    // A real full disk where mounting is allowed (root); else the CDR folder turns into a file under the relay.
    const tmpfs = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', cdrDir]).status === 0;
    if (tmpfs) mounted = cdrDir;
    relay = await spawnRelay(['--data-dir', dataDir]);
    const ready = async (): Promise<number> => (await fetch(`http://127.0.0.1:${relay!.adminPort}/readyz`)).status;
    expect(await ready()).toBe(200);
    const token = (mid: string, pid: string): string =>
      mintJoinToken(keys.privateKey, keys.kid, {
        issuer: 'ephemera-invite', audience: 'ephemera-relay', participantId: pid, meetingId: mid,
        role: 'attendee', capabilities: [...DEFAULT_CAPABILITIES.attendee], ttlSeconds: 600,
      });
    const before = meetingId();
    const early = await connect({ url: relay.url, meetingId: before, token: token(before, 'a') });
    expect(early.meetingId).toBe(before);
    if (tmpfs) {
      try {
        writeFileSync(join(cdrDir, 'filler'), Buffer.alloc(8 * 1024 * 1024));
      } catch {
        // ENOSPC once the tmpfs is full: that is the point.
      }
    } else {
      rmSync(cdrDir, { recursive: true, force: true });
      writeFileSync(cdrDir, 'not a folder');
    }
    let status = 0;
    await waitFor(() => {
      void ready().then((s) => (status = s), () => {});
      return status === 503;
    }, 15_000, 'readyz to fail');
    const body = (await (await fetch(`http://127.0.0.1:${relay.adminPort}/readyz`)).json()) as { reason: string };
    expect(body.reason).toMatch(/^CDR_ERR_/);
    const mid = meetingId();
    const err = await connect({ url: relay.url, meetingId: mid, token: token(mid, 'b') }).then(() => null, (e: unknown) => e);
    expect(err).toMatchObject({ status: 503, code: 'RELAY_ERR_NOT_READY' });
    console.info(`cdr-store runtime test used ${tmpfs ? 'a 4 MiB tmpfs (real ENOSPC)' : 'the fallback (CDR folder replaced by a file)'}`);
  }, 40_000);
});
