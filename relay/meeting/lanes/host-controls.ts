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
import { HostAction, Kind, type Envelope, HOST_ACTION_NAMES } from '../../../protocol/index.js';
import type { Member } from '../delivery.types.js';
import { demotedCapabilities, mayUseHostControls, promotedCapabilities } from '../permissions.js';
import { refuse } from './refuse.js';
import { encodeEnvelope } from '../../../protocol/index.js';
import type { LaneContext, LaneHandler } from './lane.types.js';

export class HostControlLane implements LaneHandler {
  readonly kinds = [Kind.HOST_CONTROL] as const;

  constructor(private readonly ctx: LaneContext) {}

  private announce(host: Member, env: Envelope): void {
    const c = env.hostControl!;
    const ctx = this.ctx;
    const frame = encodeEnvelope({
      kind: Kind.HOST_CONTROL,
      from: host.participantId,
      seq: ctx.nextSeq(),
      hostControl: { action: c.action, target: c.target, bar: c.bar, track: c.track },
    });
    ctx.delivery.toEveryone(frame, 'control', null);
  }

  private count(action: number): void {
    const name = HOST_ACTION_NAMES[action]!;
    const activity = this.ctx.activity;
    activity.hostActions[name] = (activity.hostActions[name] ?? 0) + 1;
    this.ctx.markFeature('host_controls');
  }

  handle(sender: Member, env: Envelope, size: number): void {
    const ctx = this.ctx;
    const control = ctx.stats.control;
    control.framesIn++;
    control.bytesIn += size;
    const delivery = ctx.delivery;
    if (!mayUseHostControls(sender.role)) return refuse(delivery, sender, 'RELAY_ERR_NOT_PERMITTED', env.ref);
    const c = env.hostControl;
    if (c == null || HOST_ACTION_NAMES[c.action ?? 0] === undefined) return refuse(delivery, sender, 'RELAY_ERR_BAD_REQUEST', env.ref);
    const action = c.action!;
    const targetId = c.target ?? '';
    const needsTarget = action === HostAction.REMOVE || action === HostAction.ASK_MUTE || action === HostAction.PROMOTE || action === HostAction.DEMOTE;
    const target = needsTarget ? ctx.roster.get(targetId) : undefined;
    if (needsTarget && target === sender) return refuse(delivery, sender, 'RELAY_ERR_UNKNOWN_TARGET', env.ref);
    if (needsTarget && target === undefined) {
      // Barring someone who already left is allowed: the id is known to this meeting.
      const barAbsent = action === HostAction.REMOVE && c.bar === true && ctx.roster.knows(targetId) && targetId !== sender.participantId;
      if (!barAbsent) return refuse(delivery, sender, 'RELAY_ERR_UNKNOWN_TARGET', env.ref);
    }
    switch (action) {
      case HostAction.END_MEETING:
        this.count(action);
        this.announce(sender, env);
        ctx.control.end('host_ended');
        return;
      case HostAction.REMOVE:
        this.count(action);
        if (c.bar) ctx.control.bar(targetId);
        this.announce(sender, env);
        if (target !== undefined) ctx.control.remove(target, c.bar === true);
        return;
      case HostAction.LOCK:
      case HostAction.UNLOCK:
        this.count(action);
        ctx.control.setLocked(action === HostAction.LOCK);
        this.announce(sender, env);
        return;
      case HostAction.ASK_MUTE:
        this.count(action);
        this.announce(sender, env);
        return;
      case HostAction.PROMOTE:
      case HostAction.DEMOTE: {
        const t = target!;
        if (t.role === 'host') return refuse(delivery, sender, 'RELAY_ERR_NOT_PERMITTED', env.ref);
        this.count(action);
        if (action === HostAction.PROMOTE) {
          t.role = 'presenter';
          t.capabilities = promotedCapabilities();
        } else {
          t.role = 'attendee';
          t.capabilities = demotedCapabilities(t.tokenRole, t.tokenCapabilities);
        }
        this.announce(sender, env);
        ctx.control.roleChanged(t);
        return;
      }
    }
  }

  participantLeft(): void {}
  memberChanged(): void {}
  tick(): void {}
  close(): void {}
}
