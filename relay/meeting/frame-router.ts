/** Routes one decoded client frame to its lane handler. Frames a client may not send get an error frame. */
import { CloseCode, encodeEnvelope, Kind, type Envelope } from '../../protocol/index.js';
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

export function routeFrame(meeting: Meeting, session: Session, env: Envelope, size: number): void {
  switch (env.kind) {
    case Kind.MEDIA:
      return handleMediaFrame(meeting, session, env, size);
    case Kind.CHAT:
      return handleChat(meeting, session, env, size);
    case Kind.PING:
      session.send(encodeEnvelope({ kind: Kind.PONG, ref: env.ref }));
      return;
    case Kind.PONG:
      return;
    case Kind.LEAVE:
      session.end('leave', CloseCode.NORMAL, 'left');
      return;
    case Kind.HOST_CONTROL:
      return handleHostControl(meeting, session, env);
    case Kind.TRACK_PUBLISH:
      return handleTrackPublish(meeting, session, env);
    case Kind.TRACK_UNPUBLISH:
      return handleTrackUnpublish(meeting, session, env);
    case Kind.TRACK_SUBSCRIBE:
      return handleSubscription(meeting, session, env, true);
    case Kind.TRACK_UNSUBSCRIBE:
      return handleSubscription(meeting, session, env, false);
    case Kind.POLL_OPEN:
    case Kind.POLL_ANSWER:
    case Kind.POLL_CLOSE:
    case Kind.POLL_RESULTS:
      return handlePollFrame(meeting, session, env, size);
    case Kind.DOC_OFFER:
    case Kind.DOC_CHUNK:
    case Kind.DOC_ACK:
    case Kind.DOC_CANCEL:
    case Kind.DOC_RESEND:
      return handleDocumentFrame(meeting, session, env, size);
    default:
      return refuse(session, 'RELAY_ERR_UNKNOWN_KIND', env.ref);
  }
}
