/** When a traffic step fails: the send-lag allowance and the other reasons. */
import { describe, expect, it } from 'vitest';
import { allowedSendLagMs, failureOf } from '../runner/figures.js';
import type { StepResult } from '../report/results.types.js';

const base: Omit<StepResult, 'passed' | 'failure'> = {
  level: 'x', offeredPerSec: 1000, deliveredPerSec: 1000, p50Ms: 1, p99Ms: 5, p999Ms: 6, maxMs: 7, lost: 0, expected: 1000, received: 1000,
  cpuUsPerFrame: 1, serverCpuPct: 10, clientCpuPct: 30, maxSendLagMs: 0, rssMB: 50, connections: 10, connectionFailures: 0,
};

describe('failureOf', () => {
  it('allows a send lag of twice the p99 limit, or up to one send interval (at most five times the limit)', () => {
    expect(allowedSendLagMs(10)).toBe(20);
    expect(allowedSendLagMs(10, 20)).toBe(20);
    expect(allowedSendLagMs(10, 1000 / 30)).toBeCloseTo(33.33, 2);
    expect(allowedSendLagMs(10, 500)).toBe(50);
  });

  it('fails a step whose generator fell behind, lost frames or missed the p99 limit', () => {
    expect(failureOf({ ...base, maxSendLagMs: 25 }, 10, 1000 / 30)).toBeUndefined();
    expect(failureOf({ ...base, maxSendLagMs: 25 }, 10, 20)).toMatch(/fell 25 ms behind/);
    expect(failureOf({ ...base, lost: 3 }, 10)).toBe('3 lost');
    expect(failureOf({ ...base, p99Ms: 12 }, 10)).toBe('p99 12 ms >= 10 ms');
    expect(failureOf(base, 10)).toBeUndefined();
  });
});
