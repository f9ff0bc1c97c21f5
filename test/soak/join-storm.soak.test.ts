/**
 * Soak: the join storm of security-floods.test.ts for a minute per transport (EPHEMERA_SOAK_SCALE scales it):
 * tens of thousands of garbage and forged tokens from four addresses; good joins stay prompt throughout, nothing
 * gets in, the relay's memory stays bounded (the verification queues are bounded), the bystanders keep chatting.
 */
import { describe, expect, it } from 'vitest';
import { percentile, TRANSPORT_NAMES } from '../integration/security-helpers.js';
import { runJoinStorm } from '../integration/security-storm-run.js';
import { scaled } from './soak-scale.js';

const DURATION_MS = scaled(60) * 1_000;

describe.each(TRANSPORT_NAMES)('join storm soak over %s', (transport) => {
  it(`admits good joins promptly through ${DURATION_MS / 1000} s of forged and garbage tokens`, async () => {
    const r = await runJoinStorm(transport, DURATION_MS);
    // eslint-disable-next-line no-console
    console.log(r.summary);
    expect(r.goodFailures).toEqual([]);
    expect(r.statuses['101']).toBeUndefined();
    for (const s of Object.keys(r.statuses)) expect(['401', '429']).toContain(s);
    expect(percentile(r.joinMs, 0.99)).toBeLessThan(2_000);
    expect(percentile(r.joinMs, 0.5)).toBeLessThan(500);
    // No per-attempt state survives (a leak of 1 KiB per refused join would be 200 MiB here); the RSS climbs tens
    // of MiB between the garbage collector's major cycles and comes down again.
    expect(r.rssPeak - r.rssStart).toBeLessThan(128 * 1024 * 1024);
    expect(r.bystander.closed).toBe(false);
    expect(r.bystander.got).toBe(r.bystander.sent);
  });
});
