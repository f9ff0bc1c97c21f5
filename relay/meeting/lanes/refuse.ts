/** Sends a non-fatal ERROR frame to a participant (the connection stays open). */
import type { ErrorCode } from '../../../protocol/index.js';
import { errorFrame } from '../relay-frames.js';
import type { Session } from '../session.js';

export function refuse(session: Session, code: ErrorCode, ref: number): void {
  session.send(errorFrame(code, ref));
}
