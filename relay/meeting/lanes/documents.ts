/** Document lane. Not built yet: every document frame is refused with RELAY_ERR_UNKNOWN_KIND. */
import type { Envelope } from '../../../protocol/index.js';
import type { Meeting } from '../meeting.js';
import type { Session } from '../session.js';
import { refuse } from './refuse.js';

export function handleDocumentFrame(_meeting: Meeting, session: Session, env: Envelope, _size: number): void {
  refuse(session, 'RELAY_ERR_UNKNOWN_KIND', env.ref);
}
