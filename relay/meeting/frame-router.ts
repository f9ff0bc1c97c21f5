/**
 * The switchboard's entry to a meeting's frame path. The kind-to-lane table is protocol/kind-lanes.ts; the
 * meeting reads the kind once, parses the frame once (media-scan for MEDIA, protobufjs for the rest) and hands it
 * to the one lane that takes the kind (meeting.ts route(), lanes/lane-set.ts). Frames a client may not send get
 * an ERROR frame RELAY_ERR_UNKNOWN_KIND.
 */
import type { Session, SessionMeeting } from './session.js';

export { laneOfKind } from '../../protocol/kind-lanes.js';

/** Routes one client frame as received. Returns false when the bytes are not a valid envelope. */
export function routeFrameBytes(meeting: SessionMeeting, session: Session, data: Uint8Array): boolean {
  return meeting.route(session, data);
}
