/**
 * Host controls: end the meeting, remove (and bar) a participant, lock/unlock, ask to mute, promote/demote.
 * Only hosts may send them (RELAY_ERR_NOT_PERMITTED otherwise). Each is announced to everyone as a HOST_CONTROL
 * frame stamped with the host's id, and counted for the CDR (activity.hostActions, by action name).
 *
 * - REMOVE: the target gets ERROR RELAY_ERR_REMOVED and is closed with 4006; with `bar` its participant id may
 *   not join again for the rest of the meeting (403 RELAY_ERR_BARRED). A participant that already left may be
 *   barred too (REMOVE with `bar` of an id the meeting has seen).
 * - LOCK / UNLOCK: while locked, new participant ids are refused (403 RELAY_ERR_MEETING_LOCKED, checked by the
 *   switchboard at the upgrade); present ones may reconnect and hosts may join.
 * - ASK_MUTE: announced; the target's client mutes (the relay cannot mute media it does not decode).
 * - PROMOTE: attendee -> presenter with every capability. DEMOTE: presenter -> attendee with its token's
 *   capabilities (see permissions.ts); tracks it may no longer publish are unpublished. Hosts cannot be
 *   promoted or demoted (RELAY_ERR_NOT_PERMITTED).
 */
import { CloseCode, encodeEnvelope, HostAction, Kind, type Envelope, HOST_ACTION_NAMES } from '../../../protocol/index.js';
import type { Meeting } from '../meeting.js';
import type { Session } from '../session.js';
import { demotedCapabilities, mayUseHostControls, promotedCapabilities } from '../permissions.js';
import { errorFrame } from '../relay-frames.js';
import { enforceTrackCapabilities } from './media.js';
import { refuse } from './refuse.js';


function announce(meeting: Meeting, host: Session, env: Envelope): void {
  const c = env.hostControl!;
  const frame = encodeEnvelope({
    kind: Kind.HOST_CONTROL,
    from: host.participantId,
    seq: meeting.nextSeq(),
    hostControl: { action: c.action, target: c.target, bar: c.bar, track: c.track },
  });
  meeting.transport.publish(meeting.topic, frame);
  meeting.lanes.control.framesOut += meeting.sessions.size;
  meeting.lanes.control.bytesOut += meeting.sessions.size * frame.length;
}

function count(meeting: Meeting, action: number): void {
  const name = HOST_ACTION_NAMES[action]!;
  meeting.activity.hostActions[name] = (meeting.activity.hostActions[name] ?? 0) + 1;
  meeting.markFeature('host_controls');
}

export function handleHostControl(meeting: Meeting, session: Session, env: Envelope): void {
  if (!mayUseHostControls(session.role)) return refuse(session, 'RELAY_ERR_NOT_PERMITTED', env.ref);
  const control = env.hostControl;
  if (control == null || HOST_ACTION_NAMES[control.action ?? 0] === undefined) return refuse(session, 'RELAY_ERR_BAD_REQUEST', env.ref);
  const action = control.action!;
  const targetId = control.target ?? '';
  const needsTarget = action === HostAction.REMOVE || action === HostAction.ASK_MUTE || action === HostAction.PROMOTE || action === HostAction.DEMOTE;
  const target = needsTarget ? meeting.sessions.get(targetId) : undefined;
  if (needsTarget && target === session) return refuse(session, 'RELAY_ERR_UNKNOWN_TARGET', env.ref);
  if (needsTarget && target === undefined) {
    // Barring someone who already left is allowed: the id is known to this meeting.
    const barAbsent = action === HostAction.REMOVE && control.bar === true && meeting.participants.has(targetId) && targetId !== session.participantId;
    if (!barAbsent) return refuse(session, 'RELAY_ERR_UNKNOWN_TARGET', env.ref);
  }
  switch (action) {
    case HostAction.END_MEETING:
      count(meeting, action);
      announce(meeting, session, env);
      meeting.end('host_ended');
      return;
    case HostAction.REMOVE:
      count(meeting, action);
      if (control.bar) meeting.barred.add(targetId);
      announce(meeting, session, env);
      if (target !== undefined) {
        target.send(errorFrame('RELAY_ERR_REMOVED'));
        target.end('removed', CloseCode.REMOVED, control.bar ? 'removed and barred by a host' : 'removed by a host');
      }
      return;
    case HostAction.LOCK:
    case HostAction.UNLOCK:
      count(meeting, action);
      meeting.locked = action === HostAction.LOCK;
      announce(meeting, session, env);
      return;
    case HostAction.ASK_MUTE:
      count(meeting, action);
      announce(meeting, session, env);
      return;
    case HostAction.PROMOTE:
    case HostAction.DEMOTE: {
      const t = target!;
      if (t.role === 'host') return refuse(session, 'RELAY_ERR_NOT_PERMITTED', env.ref);
      count(meeting, action);
      if (action === HostAction.PROMOTE) {
        t.role = 'presenter';
        t.capabilities = promotedCapabilities();
      } else {
        t.role = 'attendee';
        t.capabilities = demotedCapabilities(t.tokenRole, t.tokenCapabilities);
      }
      announce(meeting, session, env);
      meeting.roleChanged(t);
      enforceTrackCapabilities(meeting, t);
      return;
    }
  }
}
