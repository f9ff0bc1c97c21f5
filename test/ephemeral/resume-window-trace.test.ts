/**
 * The resume window keeps content only while it must: a scan of the relay's memory (/proc/PID/mem, the relay a
 * child process, glibc told to wipe freed memory as in no-trace.test.ts) finds a chat marker while the window
 * holds it (the positive control: the window's copy is there to be found), finds it nowhere once it slid out by
 * age, and a second marker is gone once the meeting ended. ws: 0 hits; uws: none but in uWS's own live buffers
 * (SECURITY.md), as in no-trace.test.ts.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { connect, type EphemeraClient } from '../../client/index.js';
import { meetingId, waitFor } from '../helpers/relay-harness.js';
import { startRelayChild, tokenMinter, TRANSPORT_NAMES, type RelayChild } from '../integration/security-helpers.js';
import { heapChunksOf, scanProcessMemory, type HeapChunk } from './memory-scan.js';

const HARDENED_MALLOC = 'glibc.malloc.perturb=165:glibc.malloc.tcache_count=0';

interface Located {
  readonly chunk: HeapChunk | undefined;
}

function scan(relay: RelayChild, marker: string): Located[] {
  process.kill(relay.pid, 'SIGSTOP');
  try {
    const r = scanProcessMemory(relay.pid, [Buffer.from(marker)]);
    const chunks = heapChunksOf(relay.pid, r.hits.map((h) => h.address));
    return r.hits.map((_, i) => ({ chunk: chunks[i] }));
  } finally {
    process.kill(relay.pid, 'SIGCONT');
  }
}

/** No content left: ws none at all; uws none but in at most two live chunks of uWS's own (<= 640 KiB). */
function clean(transport: string, hits: Located[]): boolean {
  if (transport === 'ws') return hits.length === 0;
  if (hits.some((h) => h.chunk === undefined || !h.chunk.inUse || h.chunk.size > 640 * 1024)) return false;
  return new Set(hits.map((h) => h.chunk!.start)).size <= 2;
}

describe.each(TRANSPORT_NAMES)('resume window trace over %s', (transport) => {
  let relay: RelayChild | undefined;
  let dataDir = '';
  afterEach(async () => {
    await relay?.kill();
    relay = undefined;
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('holds a frame while it is in the window, and nothing once it slid out or the meeting ended', async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'ephemera-resume-trace-'));
    relay = await startRelayChild({
      env: { GLIBC_TUNABLES: HARDENED_MALLOC },
      args: ['--transport', transport, '--data-dir', dataDir, '--empty-timeout-ms', '0', '--resume-window-ms', '500', '--resume-grace-ms', '5000'],
    });
    const r = relay;
    const mint = tokenMinter(dataDir);
    const mid = meetingId();
    const host = await connect({ url: r.url, meetingId: mid, token: mint(mid, 'host', { role: 'host' }) });
    const b: EphemeraClient = await connect({ url: r.url, meetingId: mid, token: mint(mid, 'b') });
    await waitFor(() => host.roster.size === 2, 5_000, 'both present');
    const texts: string[] = [];
    b.on('chat', (e) => texts.push(e.text));

    const first = `window-marker-${randomBytes(12).toString('hex')}`;
    host.sendChat(first);
    await waitFor(() => texts.includes(first), 5_000, 'the first marker at b');
    expect(scan(r, first).length, 'the window holds the frame (positive control)').toBeGreaterThan(0);
    // Other frames overwrite the transports' own reused buffers; the marker then lives only in the window.
    for (let i = 0; i < 40; i++) host.sendChat(`filler ${i} ${'.'.repeat(1000)}`);
    await waitFor(() => texts.length === 41, 5_000, 'the filler at b');
    await waitFor(() => clean(transport, scan(r, first)), 10_000, 'the first marker gone once it slid out of the window');

    const second = `window-marker-${randomBytes(12).toString('hex')}`;
    host.sendChat(second);
    await waitFor(() => texts.includes(second), 5_000, 'the second marker at b');
    expect(scan(r, second).length, 'the window holds the frame (positive control)').toBeGreaterThan(0);
    host.endMeeting();
    await b.closed;
    await host.closed;
    await waitFor(() => clean(transport, scan(r, second)), 10_000, 'the second marker gone once the meeting ended');
  }, 60_000);
});
