/**
 * Routes one decoded client frame to its lane handler. Frames a client may not send (the relay's own kinds:
 * WELCOME, ROSTER, ERROR, MEETING_ENDED, POLL_TALLY, DOC_CREDIT, KEYFRAME_REQUEST, ACTIVE_SPEAKERS) get an
 * ERROR frame RELAY_ERR_UNKNOWN_KIND. Each lane handler checks permissions (permissions.ts) and counts its frames;
 * control frames are counted here.
 */
import { CloseCode, decodeEnvelope, encodeEnvelope, Kind, type Envelope } from '../../protocol/index.js';
import { releaseMediaEnvelope, scanMediaEnvelope } from '../../protocol/media-scan.js';
import type { Lane } from './meeting.types.js';
import type { Meeting } from './meeting.js';
import type { Session } from './session.js';
import { handleChat } from './lanes/chat.js';
import { handleHostControl } from './lanes/host-controls.js';
import { handleMediaFrame, handleSubscription, handleTrackPublish, handleTrackUnpublish } from './lanes/media.js';
import { handlePollFrame } from './lanes/polls.js';
import { handleDocumentFrame } from './lanes/documents.js';
import { refuse } from './lanes/refuse.js';

/** The lane a client frame of this kind counts against (media frames count on their track's lane). */
export function laneOfKind(kind: number): Lane {
  if (kind === Kind.CHAT) return 'chat';
  if (kind >= 20 && kind < 30) return 'poll';
  if (kind >= 30 && kind < 40) return 'document';
  return 'control';
}

function countControl(meeting: Meeting, size: number): void {
  meeting.lanes.control.framesIn++;
  meeting.lanes.control.bytesIn += size;
}

/**
 * Routes one client frame as received. MEDIA frames, the most frequent, take the allocation-free reader; every
 * other frame (and anything unusual) the full decoder. Returns false when the bytes are not a valid envelope.
 */
export function routeFrameBytes(meeting: Meeting, session: Session, data: Uint8Array): boolean {
  const media = scanMediaEnvelope(data);
  if (media !== null) {
    try {
      handleMediaFrame(meeting, session, media, data.byteLength);
    } finally {
      releaseMediaEnvelope();
    }
    return true;
  }
  const decoded = decodeEnvelope(data);
  if (!decoded.ok) return false;
  routeFrame(meeting, session, decoded.value, data.byteLength);
  return true;
}

export function routeFrame(meeting: Meeting, session: Session, env: Envelope, size: number): void {
  switch (env.kind) {
    case Kind.MEDIA:
      return handleMediaFrame(meeting, session, env, size);
    case Kind.DOC_CHUNK:
    case Kind.DOC_ACK:
    case Kind.DOC_OFFER:
    case Kind.DOC_CANCEL:
    case Kind.DOC_RESEND:
      return handleDocumentFrame(meeting, session, env, size);
    case Kind.CHAT:
      return handleChat(meeting, session, env, size);
    case Kind.POLL_OPEN:
    case Kind.POLL_ANSWER:
    case Kind.POLL_CLOSE:
    case Kind.POLL_RESULTS:
      return handlePollFrame(meeting, session, env, size);
    case Kind.PING:
      countControl(meeting, size);
      session.send(encodeEnvelope({ kind: Kind.PONG, ref: env.ref }));
      return;
    case Kind.PONG:
      countControl(meeting, size);
      return;
    case Kind.LEAVE:
      countControl(meeting, size);
      session.end('leave', CloseCode.NORMAL, 'left');
      return;
    case Kind.HOST_CONTROL:
      countControl(meeting, size);
      return handleHostControl(meeting, session, env);
    case Kind.TRACK_PUBLISH:
      countControl(meeting, size);
      return handleTrackPublish(meeting, session, env);
    case Kind.TRACK_UNPUBLISH:
      countControl(meeting, size);
      return handleTrackUnpublish(meeting, session, env);
    case Kind.TRACK_SUBSCRIBE:
      countControl(meeting, size);
      return handleSubscription(meeting, session, env, true);
    case Kind.TRACK_UNSUBSCRIBE:
      countControl(meeting, size);
      return handleSubscription(meeting, session, env, false);
    default:
      return refuse(session, 'RELAY_ERR_UNKNOWN_KIND', env.ref);
  }
}
