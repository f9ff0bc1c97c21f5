/** Sends a non-fatal ERROR frame to a participant (the connection stays open). */
import type { ErrorCode } from '../../../protocol/index.js';
import { errorFrame } from '../relay-frames.js';
import type { MeetingDelivery, Member } from '../delivery.types.js';

export function refuse(delivery: MeetingDelivery, member: Member, code: ErrorCode, ref: number): void {
  delivery.toOne(member, errorFrame(code, ref), null);
}
