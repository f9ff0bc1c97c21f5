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
 * a count update reaches N attendees every N/10 joins, at most about 10 deliveries per join whatever N is
 * (fewer while a batch window holds more joins than a step). Each delivery is a socket write: at 20 per join
 * they were a large part of a join's cost in a storm (bench webinar-join).
 */
export const COUNT_STEP_FRACTION = 0.1;

/**
 * ... or, with the count off by less than a step, once joins and leaves have paused this long: the exact count gets
 * out when a storm ends, and a storm itself pays nothing for it (a periodic refresh would cost N deliveries per
 * period, a per-join cost that grows with the audience).
 */
export const COUNT_SETTLE_MS = 1_000;

/** ... and at the latest this long after the last count they heard, for a meeting whose joins never pause. */
export const COUNT_REFRESH_MS = 30_000;

/**
 * A step-sized move is announced at most this often: in a storm the 10 % steps alone come every N/10 joins, about
 * 11 deliveries per join from 200 to 10,000 attendees (each a socket write, most of a join's roster cost in the
 * bench's webinar-join); with this floor a 1,000 joins/s storm costs about 4 (the count then lags by up to 2 s).
 */
export const COUNT_MIN_INTERVAL_MS = 2_000;

function stepReached(count: number, announced: number): boolean {
  return Math.abs(count - announced) >= Math.max(1, Math.ceil(count * COUNT_STEP_FRACTION));
}

/**
 * Whether attendees of a large meeting should hear `count` now, having last heard `announced` `sinceAnnouncedMs`
 * ago, the last roster change being `sinceChangeMs` ago.
 */
export function countUpdateDue(count: number, announced: number, sinceAnnouncedMs: number, sinceChangeMs: number): boolean {
  if (count === announced) return false;
  if (sinceChangeMs >= COUNT_SETTLE_MS || sinceAnnouncedMs >= COUNT_REFRESH_MS) return true;
  return sinceAnnouncedMs >= COUNT_MIN_INTERVAL_MS && stepReached(count, announced);
}

/** When a count that is not due yet becomes due with no further change: ms from now. */
export function countDueInMs(count: number, announced: number, sinceAnnouncedMs: number, sinceChangeMs: number): number {
  let due = Math.min(COUNT_SETTLE_MS - sinceChangeMs, COUNT_REFRESH_MS - sinceAnnouncedMs);
  if (stepReached(count, announced)) due = Math.min(due, COUNT_MIN_INTERVAL_MS - sinceAnnouncedMs);
  return Math.max(0, due);
}

/** The large-meeting threshold of a meeting: the invite's policy (`pol.large`) or the relay's default. */
export function largeMeetingThreshold(relayDefault: number, policy: number | undefined): number {
  return policy ?? relayDefault;
}
