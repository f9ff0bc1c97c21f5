/**
 * The Session's own state without sockets: the frame-rate limit (one number, the time its bucket is full again)
 * decides exactly as the token bucket it replaced, and what the token granted survives promote/demote.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Session } from '../../relay/meeting/session.js';
import type { JoinClaims } from '../../relay/auth/claims.types.js';

const claims = (over: Partial<JoinClaims> = {}): JoinClaims =>
  ({ issuer: 'i', participantId: 'p1', meetingId: 'm1', role: 'attendee', capabilities: ['chat'], expiresAt: 2_000_000_000, tokenId: 't', singleUse: false, ...over }) as JoinClaims;

/**
 * The token bucket the Session used before (a token count and a refill time), in exact arithmetic: thousandths of
 * a token, so that with whole milliseconds and rates nothing is rounded (the float version it replaces could refuse
 * a frame at the exact boundary where the bucket held 0.999... tokens; the new one, exact for these rates, does not).
 */
class ReferenceBucket {
  milliTokens: number;
  last: number;
  constructor(burst: number, now: number) {
    this.milliTokens = burst * 1000;
    this.last = now;
  }
  take(now: number, perSecond: number, burst: number): boolean {
    this.milliTokens = Math.min(burst * 1000, this.milliTokens + (now - this.last) * perSecond);
    this.last = now;
    if (this.milliTokens < 1000) return false;
    this.milliTokens -= 1000;
    return true;
  }
}

describe('Session', () => {
  it('the frame-rate limit allows and refuses exactly the frames the token bucket did', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(1, 2, 4, 5, 8, 10, 20, 25, 40, 50, 100, 125, 200, 250, 500, 1000),
        fc.integer({ min: 1, max: 300 }),
        fc.array(fc.integer({ min: 0, max: 120 }), { minLength: 1, maxLength: 600 }),
        (perSecond, burst, gaps) => {
          let now = 1000;
          const s = new Session(claims(), now);
          const ref = new ReferenceBucket(burst, now);
          for (const gap of gaps) {
            now += gap;
            expect(s.takeFrameToken(now, perSecond, burst)).toBe(ref.take(now, perSecond, burst));
          }
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('a burst is allowed at once, the next frame only after one interval, and a reset refills it', () => {
    const s = new Session(claims(), 0);
    for (let i = 0; i < 10; i++) expect(s.takeFrameToken(0, 50, 10)).toBe(true);
    expect(s.takeFrameToken(0, 50, 10)).toBe(false);
    expect(s.takeFrameToken(19, 50, 10)).toBe(false);
    expect(s.takeFrameToken(20, 50, 10)).toBe(true);
    expect(s.takeFrameToken(20, 50, 10)).toBe(false);
    s.resetFrameRate(21);
    for (let i = 0; i < 10; i++) expect(s.takeFrameToken(21, 50, 10)).toBe(true);
    expect(s.takeFrameToken(21, 50, 10)).toBe(false);
  });

  it('keeps the role and capabilities the token granted whatever promote and demote set', () => {
    for (const role of ['host', 'presenter', 'attendee'] as const) {
      const s = new Session(claims({ role, capabilities: ['chat', 'video', 'screen'] }), 0);
      const granted = s.capabilities;
      s.role = 'presenter';
      s.capabilities = 0;
      expect(s.tokenRole).toBe(role);
      expect(s.tokenCapabilities).toBe(granted);
      expect(granted).toBeGreaterThan(0);
    }
  });
});
