import { describe, expect, it } from 'vitest';
import { nowUs, readCpuUs, readRssBytes } from '../lib/proc-stats.js';

describe('proc-stats', () => {
  it('reads this process CPU time, which grows while we burn CPU', () => {
    const before = readCpuUs(process.pid);
    const until = Date.now() + 100;
    let x = 0;
    while (Date.now() < until) x += Math.sqrt(x + 1);
    expect(x).toBeGreaterThan(0);
    expect(readCpuUs(process.pid)).toBeGreaterThan(before);
  });

  it('reads RSS in bytes and a monotonic microsecond clock', () => {
    expect(readRssBytes(process.pid)).toBeGreaterThan(10 * 1024 * 1024);
    const a = nowUs();
    const b = nowUs();
    expect(b).toBeGreaterThanOrEqual(a);
    expect(() => readCpuUs(2 ** 22 + 12345)).toThrow();
  });
});
