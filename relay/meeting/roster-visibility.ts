/**
 * Who sees whom in a meeting's roster. Hosts and presenters (the staff) see every participant. Attendees see every
 * participant while the meeting is small; once more than the threshold are present the meeting is large (for the
 * rest of its life, so rosters do not flap around the threshold) and attendees see the staff, themselves and a
 * participant count that moves in steps, so that what a join costs in roster traffic does not grow with the audience.
 */
import type { Role } from '../auth/claims.types.js';

/** True for roles that see the whole roster and that every participant sees. */
export function isStaff(role: Role | string): boolean {
  return role === 'host' || role === 'presenter';
}

/**
 * In a large meeting attendees hear a new count once it moved by this fraction of the audience (at least 1):
 * a count update reaches N attendees every N/20 joins, at most about 20 deliveries per join whatever N is
 * (fewer while a batch window holds more joins than a step).
 */
export const COUNT_STEP_FRACTION = 0.05;

/** ... or once this long has passed since the last count they heard, so the exact count gets out when joins slow. */
export const COUNT_REFRESH_MS = 2_000;

/** Whether attendees of a large meeting should hear `count` now, having last heard `announced` `sinceMs` ago. */
export function countUpdateDue(count: number, announced: number, sinceMs: number): boolean {
  if (count === announced) return false;
  const step = Math.max(1, Math.ceil(count * COUNT_STEP_FRACTION));
  return Math.abs(count - announced) >= step || sinceMs >= COUNT_REFRESH_MS;
}

/** The large-meeting threshold of a meeting: the invite's policy (`pol.large`) or the relay's default. */
export function largeMeetingThreshold(relayDefault: number, policy: number | undefined): number {
  return policy ?? relayDefault;
}
