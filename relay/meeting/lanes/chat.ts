/** Chat lane (reliable): to everyone, to one participant, or to the hosts. Payload bytes pass untouched. */
import { Audience, encodeEnvelope, Kind, type Envelope } from '../../../protocol/index.js';
import type { Meeting } from '../meeting.js';
import type { Session } from '../session.js';
import { CAP_CHAT } from '../permissions.js';
import { refuse } from './refuse.js';

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
      const frame = encodeEnvelope({ kind: Kind.CHAT, from: session.participantId, seq: meeting.nextSeq(), audience: Audience.ONE, to: env.to, payload: env.payload });
      target.send(frame);
      stats.framesOut++;
      stats.bytesOut += frame.length;
      return;
    }
    case Audience.HOSTS: {
      const frame = encodeEnvelope({ kind: Kind.CHAT, from: session.participantId, seq: meeting.nextSeq(), audience: Audience.HOSTS, payload: env.payload });
      let receivers = meeting.transport.subscribers(meeting.hostsTopic);
      if (session.role === 'host') {
        conn.publish(meeting.hostsTopic, frame);
        receivers--;
      } else {
        meeting.transport.publish(meeting.hostsTopic, frame);
      }
      stats.framesOut += receivers;
      stats.bytesOut += receivers * frame.length;
      return;
    }
    default: {
      const frame = encodeEnvelope({ kind: Kind.CHAT, from: session.participantId, seq: meeting.nextSeq(), payload: env.payload });
      conn.publish(meeting.topic, frame);
      const receivers = meeting.sessions.size - 1;
      stats.framesOut += receivers;
      stats.bytesOut += receivers * frame.length;
    }
  }
}
