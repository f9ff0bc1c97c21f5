/**
 * Host controls: end the meeting, remove (and bar) a participant, lock/unlock, ask to mute, promote/demote.
 * Each is announced to the meeting as a HOST_CONTROL frame stamped with the host's id, and counted for the CDR.
 */
import { CloseCode, encodeEnvelope, HostAction, Kind, type Envelope } from '../../../protocol/index.js';
import type { Meeting } from '../meeting.js';
import type { Session } from '../session.js';
import { capabilityMask } from '../permissions.js';
import { refuse } from './refuse.js';

const ACTION_NAMES: Record<number, string> = {
  [HostAction.END_MEETING]: 'end_meeting',
  [HostAction.REMOVE]: 'remove',
  [HostAction.LOCK]: 'lock',
  [HostAction.UNLOCK]: 'unlock',
  [HostAction.ASK_MUTE]: 'ask_mute',
  [HostAction.PROMOTE]: 'promote',
  [HostAction.DEMOTE]: 'demote',
};

function announce(meeting: Meeting, host: Session, env: Envelope): void {
  const c = env.hostControl!;
  meeting.transport.publish(
    meeting.topic,
    encodeEnvelope({
      kind: Kind.HOST_CONTROL,
      from: host.participantId,
      seq: meeting.nextSeq(),
      hostControl: { action: c.action, target: c.target, bar: c.bar, track: c.track },
    }),
  );
}

export function handleHostControl(meeting: Meeting, session: Session, env: Envelope): void {
  const control = env.hostControl;
  if (control == null || ACTION_NAMES[control.action ?? 0] === undefined) return refuse(session, 'RELAY_ERR_BAD_REQUEST', env.ref);
  if (session.role !== 'host') return refuse(session, 'RELAY_ERR_NOT_PERMITTED', env.ref);
  const action = control.action!;
  const needsTarget = action === HostAction.REMOVE || action === HostAction.ASK_MUTE || action === HostAction.PROMOTE || action === HostAction.DEMOTE;
  const target = needsTarget ? meeting.sessions.get(control.target ?? '') : undefined;
  if (needsTarget && (target === undefined || target === session)) return refuse(session, 'RELAY_ERR_UNKNOWN_TARGET', env.ref);
  const name = ACTION_NAMES[action]!;
  meeting.activity.hostActions[name] = (meeting.activity.hostActions[name] ?? 0) + 1;
  meeting.markFeature('host_controls');
  meeting.lanes.control.framesIn++;
  switch (action) {
    case HostAction.END_MEETING:
      announce(meeting, session, env);
      meeting.end('host_ended');
      return;
    case HostAction.REMOVE:
      if (control.bar) meeting.barred.add(target!.participantId);
      announce(meeting, session, env);
      target!.end('removed', CloseCode.REMOVED, control.bar ? 'removed and barred by a host' : 'removed by a host');
      return;
    case HostAction.LOCK:
      meeting.locked = true;
      announce(meeting, session, env);
      return;
    case HostAction.UNLOCK:
      meeting.locked = false;
      announce(meeting, session, env);
      return;
    case HostAction.ASK_MUTE:
      // Everyone sees the request; the target's client decides (the relay cannot mute encrypted-to-it media).
      announce(meeting, session, env);
      return;
    case HostAction.PROMOTE:
    case HostAction.DEMOTE: {
      const t = target!;
      if (t.role === 'host') return refuse(session, 'RELAY_ERR_NOT_PERMITTED', env.ref);
      t.role = action === HostAction.PROMOTE ? 'presenter' : 'attendee';
      // A promoted presenter may publish everything a presenter may; a demoted one keeps attendee rights.
      t.capabilities = action === HostAction.PROMOTE ? capabilityMask('host', []) : t.capabilities & capabilityMask('attendee', ['chat', 'poll', 'document', 'audio', 'video']);
      announce(meeting, session, env);
      meeting.roleChanged(t);
      return;
    }
  }
}
