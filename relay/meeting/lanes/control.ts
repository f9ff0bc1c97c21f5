/** Control lane frames a client sends besides host controls: PING (answered with PONG), PONG, LEAVE. */
import { encodeEnvelope, Kind, type Envelope } from '../../../protocol/index.js';
import type { Member } from '../delivery.types.js';
import type { LaneContext, LaneHandler } from './lane.types.js';

export class ControlLane implements LaneHandler {
  readonly kinds = [Kind.PING, Kind.PONG, Kind.LEAVE] as const;

  constructor(private readonly ctx: LaneContext) {}

  handle(sender: Member, env: Envelope, size: number): void {
    const ctx = this.ctx;
    const stats = ctx.stats.control;
    stats.framesIn++;
    stats.bytesIn += size;
    if (env.kind === Kind.PING) ctx.delivery.toOne(sender, encodeEnvelope({ kind: Kind.PONG, ref: env.ref }), null);
    else if (env.kind === Kind.LEAVE) ctx.control.leave(sender);
  }

  participantLeft(): void {}
  memberChanged(): void {}
  tick(): void {}
  close(): void {}
}
