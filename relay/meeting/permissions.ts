/** What a participant may do, from the role and capabilities in its token. Hosts may do everything. */
import type { Capability, Role } from '../auth/claims.types.js';

export const CAP_CHAT = 1;
export const CAP_POLL = 2;
export const CAP_DOCUMENT = 4;
export const CAP_AUDIO = 8;
export const CAP_VIDEO = 16;
export const CAP_SCREEN = 32;
const ALL = 63;

const BITS: Record<Capability, number> = {
  chat: CAP_CHAT,
  poll: CAP_POLL,
  document: CAP_DOCUMENT,
  audio: CAP_AUDIO,
  video: CAP_VIDEO,
  screen: CAP_SCREEN,
};

/** The capability bit mask for a role and capability list. Hosts get all; a presenter gets what its token lists. */
export function capabilityMask(role: Role, capabilities: readonly Capability[]): number {
  if (role === 'host') return ALL;
  let mask = 0;
  for (const c of capabilities) mask |= BITS[c];
  return mask;
}

export function capabilityList(mask: number): Capability[] {
  return (Object.keys(BITS) as Capability[]).filter((c) => (mask & BITS[c]) !== 0);
}

/** Opening polls and sharing results needs a presenter or host role as well as the poll capability. */
export function mayOwnPolls(role: Role, mask: number): boolean {
  return role !== 'attendee' && (mask & CAP_POLL) !== 0;
}
