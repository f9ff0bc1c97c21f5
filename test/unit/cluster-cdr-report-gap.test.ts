/**
 * How often a relay reports a part of a meeting to its owner (cluster-cdr.ts): within 20 ms of a join or leave, and
 * for a part listing many participants (each report is a snapshot of all its sessions) at most once per 0.1 ms per
 * participant, 0.5 s at the most, so that a join storm into a webinar costs the same reporting per second whatever
 * its size.
 */
import { describe, expect, it } from 'vitest';
import { reportGapMs } from '../../relay/cluster/cluster-cdr.js';

describe('CDR part report gap', () => {
  it('is 20 ms up to 200 participants, grows with the part, and stays under 0.5 s', () => {
    expect(reportGapMs(0)).toBe(20);
    expect(reportGapMs(200)).toBe(20);
    expect(reportGapMs(1_500)).toBe(150);
    expect(reportGapMs(5_000)).toBe(500);
    expect(reportGapMs(100_000)).toBe(500);
    // Participants reported per second by one part in a storm: bounded whatever the size (10,000 per ms of gap).
    for (const n of [1_000, 2_000, 5_000]) expect(n * (1_000 / reportGapMs(n))).toBeLessThanOrEqual(10_000);
  });
});
