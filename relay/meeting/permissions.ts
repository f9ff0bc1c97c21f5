/**
 * What a participant may do, from the role and capabilities in its token. Every lane asks here; a frame the
 * sender may not send is refused with an ERROR frame RELAY_ERR_NOT_PERMITTED (the connection stays open).
 *
 * | frame                                   | who may send it                                                  |
 * |-----------------------------------------|------------------------------------------------------------------|
 * | CHAT                                    | `chat` capability                                                |
 * | POLL_OPEN                               | host or presenter with the `poll` capability                     |
 * | POLL_ANSWER                             | `poll` capability                                                |
 * | POLL_CLOSE                              | the poll's owner, or any host                                    |
 * | POLL_RESULTS                            | the poll's owner                                                 |
 * | DOC_OFFER, DOC_CHUNK                    | `document` capability (chunks: only the transfer's sharer)       |
 * | DOC_ACK, DOC_CANCEL, DOC_RESEND         | anyone (acks/cancels only count for the transfer's parties)      |
 * | TRACK_PUBLISH (AUDIO / VIDEO / SCREEN)  | `audio` / `video` / `screen` capability                          |
 * | TRACK_SUBSCRIBE, TRACK_UNSUBSCRIBE      | anyone                                                           |
 * | HOST_CONTROL                            | hosts                                                            |
 *
 * Hosts hold every capability whatever their token lists. PROMOTE makes an attendee a presenter with every
 * capability; DEMOTE makes a presenter an attendee again with the capabilities of its token (minus `screen` when
 * the token made it a presenter).
 */
import type { Capability, Role } from '../auth/claims.types.js';

export const CAP_CHAT = 1;
export const CAP_POLL = 2;
export const CAP_DOCUMENT = 4;
export const CAP_AUDIO = 8;
export const CAP_VIDEO = 16;
export const CAP_SCREEN = 32;
/** Every capability. */
export const CAP_ALL = 63;

const BITS: Record<Capability, number> = {
  chat: CAP_CHAT,
  poll: CAP_POLL,
  document: CAP_DOCUMENT,
  audio: CAP_AUDIO,
  video: CAP_VIDEO,
  screen: CAP_SCREEN,
};

/** The capability bit mask for a role and capability list. Hosts get all; others get what their token lists. */
export function capabilityMask(role: Role, capabilities: readonly Capability[]): number {
  if (role === 'host') return CAP_ALL;
  let mask = 0;
  for (const c of capabilities) mask |= BITS[c];
  return mask;
}

export function capabilityList(mask: number): Capability[] {
  return (Object.keys(BITS) as Capability[]).filter((c) => (mask & BITS[c]) !== 0);
}

/** True when `mask` holds capability bit `cap`. */
export function hasCapability(mask: number, cap: number): boolean {
  return (mask & cap) !== 0;
}

/** Opening polls and sharing their results needs a presenter or host role as well as the poll capability. */
export function mayOwnPolls(role: Role, mask: number): boolean {
  return role !== 'attendee' && (mask & CAP_POLL) !== 0;
}

/** Host controls are for hosts only. */
export function mayUseHostControls(role: Role): boolean {
  return role === 'host';
}

/** The role and capabilities a participant gets when a host promotes it. */
export function promotedCapabilities(): number {
  return CAP_ALL;
}

/**
 * The capabilities a participant keeps when a host demotes it to attendee: those of its token, without `screen`
 * when the token made it a presenter (an attendee token that lists `screen` keeps it: the issuer said so).
 */
export function demotedCapabilities(tokenRole: Role, tokenMask: number): number {
  return tokenRole === 'attendee' ? tokenMask : tokenMask & ~CAP_SCREEN;
}
