/**
 * Chat lane (reliable): to everyone, to one participant, or to the hosts. Payload bytes pass untouched; the
 * frame is encoded once into the forward encoder's scratch buffer and zeroed as soon as the delivery copied it.
 */
import { Audience, Kind, type Envelope } from '../../../protocol/index.js';
import { encodeForwardFrame, releaseForwardFrame, type ForwardFields } from '../../../protocol/forward-frame.js';
import type { Member } from '../delivery.types.js';
import { CAP_CHAT } from '../permissions.js';
import { refuse } from './refuse.js';
import type { LaneContext, LaneHandler } from './lane.types.js';

const EMPTY = new Uint8Array(0);
/** Reused for every chat frame: no allocation per frame; references are cleared after each use. */
const FWD: ForwardFields = { kind: Kind.CHAT, from: EMPTY, seq: 0, audience: 0, to: null, track: 0, keyframe: false, timestamp: 0, audioLevel: 0, payload: EMPTY };

function encode(sender: Member, seq: number, audience: number, to: Member | null, payload: Uint8Array): Uint8Array {
  FWD.from = sender.idBytes;
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

export class ChatLane implements LaneHandler {
  readonly kinds = [Kind.CHAT] as const;

  constructor(private readonly ctx: LaneContext) {}

  handle(sender: Member, env: Envelope, size: number): void {
    const ctx = this.ctx;
    const delivery = ctx.delivery;
    if ((sender.capabilities & CAP_CHAT) === 0) return refuse(delivery, sender, 'RELAY_ERR_NOT_PERMITTED', env.ref);
    const stats = ctx.stats.chat;
    stats.framesIn++;
    stats.bytesIn += size;
    ctx.markFeature('chat');
    switch (env.audience) {
      case Audience.ONE: {
        const target = ctx.roster.get(env.to);
        if (target === undefined || target === sender) return refuse(delivery, sender, 'RELAY_ERR_UNKNOWN_TARGET', env.ref);
        const frame = encode(sender, ctx.nextSeq(), Audience.ONE, target, env.payload);
        delivery.toOne(target, frame, 'chat');
        releaseForwardFrame(frame);
        return;
      }
      case Audience.HOSTS: {
        const frame = encode(sender, ctx.nextSeq(), Audience.HOSTS, null, env.payload);
        delivery.toHosts(frame, 'chat', sender);
        releaseForwardFrame(frame);
        return;
      }
      default: {
        const frame = encode(sender, ctx.nextSeq(), Audience.EVERYONE, null, env.payload);
        delivery.toEveryone(frame, 'chat', sender);
        releaseForwardFrame(frame);
      }
    }
  }

  participantLeft(): void {}
  memberChanged(): void {}
  tick(): void {}
  close(): void {}
}
