/**
 * The webhook sink against real HTTP receivers: outages (503, then connection refused, then recovery), parked
 * 4xx records, Retry-After, and the example receiver. Signatures are checked with the example receiver's own
 * verifier, which shares no code with the sender.
 */
import { mkdtempSync, readFileSync, existsSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createWebhookReceiver, verifyStandardWebhook } from '../../examples/webhook-receiver.js';
import {
  createCdrRecorder,
  deliverWebhook,
  parseWebhookSecret,
  type CdrLogger,
  type CdrRecord,
  type CdrRecorder,
  type WebhookSinkOptions,
} from '../../relay/cdr/index.js';
import { TestMeeting } from '../unit/cdr-fixtures.js';

const quiet: CdrLogger = { info() {}, warn() {}, error() {} };
const OLD_SECRET = 'whsec_' + Buffer.from('old-rotated-out-secret-123456').toString('base64');
const NEW_SECRET = 'whsec_' + Buffer.from('new-current-secret-abcdefghij').toString('base64');

interface Delivery {
  id: string;
  timestamp: string;
  body: string;
  verified: boolean;
  status: number;
  at: number;
}

type Answer = { status: number; headers?: Record<string, string>; delayMs?: number };

/** A receiver whose answers the test scripts; it records every request it saw, verified or not. */
class Receiver {
  deliveries: Delivery[] = [];
  answer: (d: Delivery, attemptOfId: number) => Answer = () => ({ status: 200 });
  #server: Server | null = null;
  port = 0;

  async start(port = 0): Promise<void> {
    const server = createServer((req: IncomingMessage, res: ServerResponse) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        const h = (n: string): string | undefined => req.headers[n] as string | undefined;
        const d: Delivery = {
          id: h('webhook-id') ?? '',
          timestamp: h('webhook-timestamp') ?? '',
          body: body.toString('utf8'),
          // The receiver knows only the new secret: rotation works when every request carries both.
          verified: verifyStandardWebhook([NEW_SECRET], { id: h('webhook-id'), timestamp: h('webhook-timestamp'), signature: h('webhook-signature') }, body),
          status: 0,
          at: Date.now(),
        };
        const attempt = this.deliveries.filter((x) => x.id === d.id).length + 1;
        this.deliveries.push(d);
        const a = this.answer(d, attempt);
        d.status = a.status;
        const send = (): void => {
          if (!res.destroyed) res.writeHead(a.status, a.headers).end();
        };
        if (a.delayMs) setTimeout(send, a.delayMs);
        else send();
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    this.#server = server;
    this.port = (server.address() as { port: number }).port;
  }

  async stop(): Promise<void> {
    const s = this.#server;
    this.#server = null;
    if (!s) return;
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/cdr`;
  }
}

async function waitFor(cond: () => boolean, timeoutMs = 8000, what = 'condition'): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

function endMeeting(rec: CdrRecorder, cdrId: string): void {
  const t = Date.now() - 30_000;
  const m = new TestMeeting({ cdrId, meetingId: `mt-${cdrId}`, startedAt: t });
  rec.meetingStarted(m);
  rec.participantJoined(m, m.join('h', 'host', t), t);
  m.closeAll('meeting_ended', Date.now());
  rec.meetingEnded(m, 'host_ended', Date.now());
}

describe('CDR webhook sink', () => {
  let dataDir: string;
  let receiver: Receiver;
  let rec: CdrRecorder | null = null;
  beforeEach(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'cdr-webhook-'));
    receiver = new Receiver();
    await receiver.start();
  });
  afterEach(async () => {
    await rec?.close();
    rec = null;
    await receiver.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  function sink(extra: Partial<WebhookSinkOptions> = {}): WebhookSinkOptions {
    return { type: 'webhook', url: receiver.url, secrets: [OLD_SECRET, NEW_SECRET], backoffBaseMs: 20, backoffMaxMs: 150, timeoutMs: 300, ...extra };
  }

  it('survives 503s, then refused connections, then delivers every record with verifiable signatures and stable ids', async () => {
    receiver.answer = () => ({ status: 503 });
    rec = await createCdrRecorder({ dataDir, logger: quiet, sinks: [sink()], closeTimeoutMs: 500 });
    const ids = ['w-1', 'w-2', 'w-3', 'w-4'];
    for (const id of ids) endMeeting(rec, id);
    await waitFor(() => receiver.deliveries.length >= 5, 8000, '503 attempts');
    let s = rec.stats().sinks[0]!;
    expect(s).toMatchObject({ name: 'webhook', delivered: 0, backlog: 4, lastError: 'HTTP 503' });
    expect(rec.stats().oldestUndeliveredAgeSeconds).toBeGreaterThan(0);

    // Down hard: connection refused.
    const port = receiver.port;
    await receiver.stop();
    const retriesBefore = rec.stats().sinks[0]!.retries;
    for (const id of ['w-5', 'w-6']) endMeeting(rec, id);
    ids.push('w-5', 'w-6');
    await waitFor(() => rec!.stats().sinks[0]!.retries >= retriesBefore + 3, 8000, 'refused attempts');
    expect(rec.stats().sinks[0]!.lastError).toBe('ECONNREFUSED');
    expect(rec.ready()).toBe(true); // a sink outage does not stop meetings: the outbox holds the records

    // Back, but the first answer to w-2 comes after the sender's timeout: the sender retries it.
    receiver.answer = (d, attempt) => (d.id === 'w-2' && attempt === 1 ? { status: 200, delayMs: 600 } : { status: 200 });
    const seenBefore = receiver.deliveries.length;
    await receiver.start(port);
    await waitFor(() => rec!.stats().backlog === 0, 10_000, 'backlog drained');
    s = rec.stats().sinks[0]!;
    expect(s.delivered).toBe(6);
    expect(s.lastError).toBeNull();

    const all = receiver.deliveries;
    expect(all.every((d) => d.verified)).toBe(true);
    const okIds = new Set(all.filter((d) => d.status === 200).map((d) => d.id));
    expect([...okIds].sort()).toEqual(ids);
    // Every copy of a record carries the record's id as webhook-id and the same body.
    for (const id of ids) {
      const copies = all.filter((d) => d.id === id);
      expect(new Set(copies.map((c) => c.body)).size).toBe(1);
      expect((JSON.parse(copies[0]!.body) as CdrRecord).id).toBe(id);
    }
    expect(all.filter((d) => d.id === 'w-2' && d.status === 200).length).toBeGreaterThanOrEqual(2);
    // Order of first arrival after recovery follows the outbox.
    const firstOk = ids.map((id) => all.findIndex((d, i) => i >= seenBefore && d.id === id && d.status === 200));
    expect([...firstOk].sort((a, b) => a - b)).toEqual(firstOk);
  });

  it('parks a record refused with a 4xx, retries 408 and 429, and goes on with the next records', async () => {
    receiver.answer = (d, attempt) => {
      if (d.id === 'p-1') return { status: 410 };
      if (d.id === 'p-2' && attempt === 1) return { status: 429 };
      if (d.id === 'p-3' && attempt === 1) return { status: 408 };
      return { status: 204 };
    };
    rec = await createCdrRecorder({ dataDir, logger: quiet, sinks: [sink()] });
    for (const id of ['p-1', 'p-2', 'p-3', 'p-4']) endMeeting(rec, id);
    await waitFor(() => rec!.stats().backlog === 0, 8000, 'backlog drained');
    expect(receiver.deliveries.filter((d) => d.id === 'p-1')).toHaveLength(1);
    expect(receiver.deliveries.filter((d) => d.id === 'p-2')).toHaveLength(2);
    expect(receiver.deliveries.filter((d) => d.id === 'p-3')).toHaveLength(2);
    const failedPath = join(dataDir, 'cdr', 'failed-webhook.jsonl');
    expect(existsSync(failedPath)).toBe(true);
    const parked = readFileSync(failedPath, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { status: number; record: CdrRecord; sink: string });
    expect(parked).toHaveLength(1);
    expect(parked[0]).toMatchObject({ status: 410, sink: 'webhook', record: { id: 'p-1' } });
    expect(rec.stats().failed).toBe(1);
    expect(rec.stats().sinks[0]).toMatchObject({ delivered: 3, failed: 1 });
    // The count survives a restart (it is read from the failed file).
    await rec.close();
    rec = await createCdrRecorder({ dataDir, logger: quiet, sinks: [sink()] });
    expect(rec.stats().failed).toBe(1);
  });

  it('honours Retry-After in seconds and as an HTTP date', async () => {
    receiver.answer = (d, attempt) => {
      if (d.id === 'ra-1' && attempt === 1) return { status: 503, headers: { 'retry-after': '1' } };
      if (d.id === 'ra-2' && attempt === 1) return { status: 429, headers: { 'retry-after': new Date(Date.now() + 2000).toUTCString() } };
      return { status: 200 };
    };
    rec = await createCdrRecorder({ dataDir, logger: quiet, sinks: [sink({ backoffBaseMs: 5, backoffMaxMs: 10 })] });
    endMeeting(rec, 'ra-1');
    endMeeting(rec, 'ra-2');
    await waitFor(() => rec!.stats().backlog === 0, 8000, 'backlog drained');
    const gap = (id: string): number => {
      const [a, b] = receiver.deliveries.filter((d) => d.id === id);
      return b!.at - a!.at;
    };
    expect(gap('ra-1')).toBeGreaterThanOrEqual(950);
    expect(gap('ra-2')).toBeGreaterThanOrEqual(950);
  });

  it('the example receiver accepts signed deliveries once per id and refuses a wrong secret', async () => {
    const got: string[] = [];
    const server = createWebhookReceiver({ secrets: [NEW_SECRET], onRecord: (_r, id) => got.push(id) });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/`;
    try {
      const cfg = { url, keys: [parseWebhookSecret(OLD_SECRET), parseWebhookSecret(NEW_SECRET)], timeoutMs: 2000 };
      const body = JSON.stringify({ id: 'ex-1', partial: false });
      expect(await deliverWebhook(cfg, 'ex-1', body)).toEqual({ kind: 'ok' });
      expect(await deliverWebhook(cfg, 'ex-1', body)).toEqual({ kind: 'ok' });
      expect(got).toEqual(['ex-1']);
      const wrong = { ...cfg, keys: [parseWebhookSecret(OLD_SECRET)] };
      expect(await deliverWebhook(wrong, 'ex-2', body)).toMatchObject({ kind: 'park', status: 401 });
      expect(got).toEqual(['ex-1']);
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });
});
