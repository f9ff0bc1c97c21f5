/** Bad input on an open connection: each gets its documented close code while the relay serves everyone else. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloseCode, encodeEnvelope, Kind } from '../../protocol/index.js';
import { meetingId, startHarness, TRANSPORTS, waitFor, type Harness } from '../helpers/relay-harness.js';
import type { EphemeraClient } from '../../client/index.js';

/** Proves the relay still switches for others: a and b exchange a chat message. */
async function stillServes(a: EphemeraClient, b: EphemeraClient): Promise<void> {
  const got: string[] = [];
  const on = (e: { text: string }): void => void got.push(e.text);
  b.on('chat', on);
  a.sendChat('still alive');
  await waitFor(() => got.includes('still alive'), 5_000, 'chat after abuse');
  b.off('chat', on);
}

describe.each(TRANSPORTS)('abuse over %s', (transport) => {
  let h: Harness;
  let a: EphemeraClient;
  let b: EphemeraClient;
  const mid = meetingId();
  beforeAll(async () => {
    h = await startHarness(transport, {
      maxFrameBytes: 16 * 1024,
      maxFramesPerSecond: 200,
      frameBurst: 400,
      maxReliableBacklogBytes: 256 * 1024,
      lossyDropBytes: 64 * 1024,
      hardBackpressureBytes: 8 * 1024 * 1024,
      slowConsumerCheckMs: 20,
    });
    a = await h.join(mid, 'a');
    b = await h.join(mid, 'b');
  });
  afterAll(async () => {
    await h.close();
  });

  it('closes an oversize frame with 4001', async () => {
    const bad = await h.join(mid, 'big');
    const errors: string[] = [];
    bad.on('error', (e) => errors.push(e.code));
    bad.sendRaw(encodeEnvelope({ kind: Kind.CHAT, payload: new Uint8Array(20 * 1024) }));
    expect((await bad.closed).code).toBe(CloseCode.FRAME_TOO_LARGE);
    expect(errors).toEqual(['RELAY_ERR_FRAME_TOO_LARGE']);
    await stillServes(a, b);
  });

  it('closes malformed bytes with 4000', async () => {
    const bad = await h.join(mid, 'garbage');
    bad.sendRaw(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0x0f, 0x01]));
    expect((await bad.closed).code).toBe(CloseCode.MALFORMED_FRAME);
    await stillServes(a, b);
  });

  it('closes a text frame with 4000', async () => {
    const bad = await h.join(mid, 'text');
    (bad.socket as unknown as { send(s: string): void }).send('hello');
    expect((await bad.closed).code).toBe(CloseCode.MALFORMED_FRAME);
    await stillServes(a, b);
  });

  it('closes a frame flood with 4002', async () => {
    const bad = await h.join(mid, 'flood');
    const ping = encodeEnvelope({ kind: Kind.PING });
    for (let i = 0; i < 2_000 && !bad.isClosed; i++) bad.sendRaw(ping);
    expect((await bad.closed).code).toBe(CloseCode.RATE_LIMITED);
    await stillServes(a, b);
  });

  it('disconnects a slow reader with 4003 once its reliable backlog passes the bound', async () => {
    const slow = await h.join(mid, 'slow');
    await waitFor(() => a.roster.has('slow'));
    // Stop reading: the kernel buffers fill, then the relay's send buffer grows.
    (slow.socket as unknown as { _socket: { pause(): void } })._socket.pause();
    const payload = new Uint8Array(12 * 1024).fill(7);
    const sender = await h.join(mid, 'sender');
    let sent = 0;
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline) {
      const meeting = [...h.relay.meetings()].find((m) => m.meetingId === mid);
      const present = meeting?.participants.get('slow')?.spans.at(-1)?.leftAt === undefined;
      if (!present) break;
      for (let i = 0; i < 20; i++) sender.send({ kind: Kind.CHAT, payload });
      sent += 20;
      await new Promise((r) => setTimeout(r, 110));
    }
    const meeting = [...h.relay.meetings()].find((m) => m.meetingId === mid)!;
    expect(meeting.participants.get('slow')!.spans.at(-1)!.leaveReason).toBe('slow_consumer');
    expect(sent).toBeGreaterThan(0);
    expect(sender.isClosed).toBe(false);
    await stillServes(a, b);
    slow.close();
  });
});
