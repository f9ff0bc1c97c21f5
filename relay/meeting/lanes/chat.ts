/**
 * Chat lane (reliable): to everyone, to one participant, or to the hosts. Payload bytes pass untouched; the
 * frame is encoded once into the forward encoder's scratch buffer and zeroed as soon as the transports copied it.
 */
import { Audience, Kind, type Envelope } from '../../../protocol/index.js';
import { encodeForwardFrame, releaseForwardFrame, type ForwardFields } from '../../../protocol/forward-frame.js';
import type { Meeting } from '../meeting.js';
import type { Session } from '../session.js';
import { CAP_CHAT } from '../permissions.js';
import { refuse } from './refuse.js';

const EMPTY = new Uint8Array(0);
/** Reused for every chat frame: no allocation per frame; references are cleared after each use. */
const FWD: ForwardFields = { kind: Kind.CHAT, from: EMPTY, seq: 0, audience: 0, to: null, track: 0, keyframe: false, timestamp: 0, audioLevel: 0, payload: EMPTY };

function encode(session: Session, seq: number, audience: number, to: Session | null, payload: Uint8Array): Uint8Array {
  FWD.from = session.idBytes;
  FWD.seq = seq;
  FWD.audience = audience;
  FWD.to = to === null ? null : to.idBytes;
  FWD.payload = payload;
  const frame = encodeForwardFrame(FWD);
  FWD.from = EMPTY;
  FWD.to = null;
  FWD.payload = EMPTY;
  return frame;
}

export function handleChat(meeting: Meeting, session: Session, env: Envelope, size: number): void {
  if ((session.capabilities & CAP_CHAT) === 0) return refuse(session, 'RELAY_ERR_NOT_PERMITTED', env.ref);
  const stats = meeting.lanes.chat;
  stats.framesIn++;
  stats.bytesIn += size;
  meeting.markFeature('chat');
  const conn = session.conn!;
  switch (env.audience) {
    case Audience.ONE: {
      const target = meeting.sessions.get(env.to);
      if (target === undefined || target === session) return refuse(session, 'RELAY_ERR_UNKNOWN_TARGET', env.ref);
      const frame = encode(session, meeting.nextSeq(), Audience.ONE, target, env.payload);
      target.send(frame);
      stats.framesOut++;
      stats.bytesOut += frame.length;
      releaseForwardFrame(frame);
      return;
    }
    case Audience.HOSTS: {
      const frame = encode(session, meeting.nextSeq(), Audience.HOSTS, null, env.payload);
      let receivers = meeting.transport.subscribers(meeting.hostsTopic);
      if (session.role === 'host') {
        conn.publish(meeting.hostsTopic, frame);
        receivers--;
      } else {
        meeting.transport.publish(meeting.hostsTopic, frame);
      }
      stats.framesOut += receivers;
      stats.bytesOut += receivers * frame.length;
      releaseForwardFrame(frame);
      return;
    }
    default: {
      const frame = encode(session, meeting.nextSeq(), Audience.EVERYONE, null, env.payload);
      conn.publish(meeting.topic, frame);
      const receivers = meeting.sessions.size - 1;
      stats.framesOut += receivers;
      stats.bytesOut += receivers * frame.length;
      releaseForwardFrame(frame);
    }
  }
}
