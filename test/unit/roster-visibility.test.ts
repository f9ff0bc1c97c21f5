/** The large-meeting count rule (relay/meeting/roster-visibility.ts): steps of 10 % of the new count, exact once joins pause. */
import { describe, expect, it } from 'vitest';
import { COUNT_MIN_INTERVAL_MS, COUNT_REFRESH_MS, COUNT_SETTLE_MS, countDueInMs, countUpdateDue, isStaff, largeMeetingThreshold } from '../../relay/meeting/roster-visibility.js';

describe('roster visibility', () => {
  it('counts hosts and presenters as staff, attendees not', () => {
    expect([isStaff('host'), isStaff('presenter'), isStaff('attendee')]).toEqual([true, true, false]);
  });

  it('takes the policy threshold over the relay default', () => {
    expect(largeMeetingThreshold(200, undefined)).toBe(200);
    expect(largeMeetingThreshold(200, 50)).toBe(50);
  });

  it('announces a count that moved by a step, whatever the audience; a smaller move waits for a pause', () => {
    const m = COUNT_MIN_INTERVAL_MS;
    expect(countUpdateDue(1000, 1000, m, 0)).toBe(false);
    expect(countUpdateDue(1099, 1000, m, 0)).toBe(false);
    expect(countUpdateDue(1110, 1000, m, 0)).toBe(false);
    expect(countUpdateDue(1200, 1000, m, 0)).toBe(true);
    expect(countUpdateDue(10_999, 10_000, m, 0)).toBe(false);
    expect(countUpdateDue(11_200, 10_000, m, 0)).toBe(true);
    expect(countUpdateDue(900, 1000, m, 0)).toBe(true);
    expect(countUpdateDue(1001, 1000, 0, COUNT_SETTLE_MS)).toBe(true);
    expect(countUpdateDue(1001, 1000, COUNT_REFRESH_MS, 0)).toBe(true);
    expect(countUpdateDue(11, 10, m, 0)).toBe(false);
    expect(countUpdateDue(12, 10, m, 0)).toBe(true);
  });

  it('announces a step at most every COUNT_MIN_INTERVAL_MS while joins go on', () => {
    expect(countUpdateDue(1200, 1000, COUNT_MIN_INTERVAL_MS - 1, 0)).toBe(false);
    expect(countUpdateDue(5000, 1000, 0, 0)).toBe(false);
    expect(countUpdateDue(5000, 1000, COUNT_MIN_INTERVAL_MS, 0)).toBe(true);
  });

  it('says when a pending count becomes due without further changes', () => {
    expect(countDueInMs(1001, 1000, 0, 0)).toBe(COUNT_SETTLE_MS);
    expect(countDueInMs(1001, 1000, COUNT_REFRESH_MS - 10, 0)).toBe(10);
    expect(countDueInMs(1001, 1000, 0, COUNT_SETTLE_MS + 5)).toBe(0);
    // A step already reached waits only for the interval (the settle rule may still come first).
    expect(countDueInMs(1200, 1000, COUNT_MIN_INTERVAL_MS - 300, 0)).toBe(300);
  });
});
