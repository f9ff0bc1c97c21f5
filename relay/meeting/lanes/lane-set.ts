/**
 * The lanes of one meeting and its dispatch table: each client kind maps (protocol/kind-lanes.ts) to the one
 * lane handler that takes it, looked up by index once per frame. Lanes hold structure and counters only, never
 * content, and go with the meeting (close()).
 */
import { CLIENT_KIND_HANDLER, KIND_TABLE_SIZE, type LaneHandlerName } from '../../../protocol/kind-lanes.js';
import type { Member } from '../delivery.types.js';
import type { LaneContext, LaneHandler } from './lane.types.js';
import type { ResolvedLaneOptions } from './lane-options.js';
import { ChatLane } from './chat.js';
import { ControlLane } from './control.js';
import { DocumentLane } from './documents.js';
import { HostControlLane } from './host-controls.js';
import { MediaLane } from './media.js';
import { PollLane } from './polls.js';

export class LaneSet {
  readonly control: ControlLane;
  readonly host: HostControlLane;
  readonly chat: ChatLane;
  readonly poll: PollLane;
  readonly document: DocumentLane;
  readonly media: MediaLane;
  /** Every lane, in the order their lifecycle hooks run. */
  readonly all: readonly LaneHandler[];
  /** Handler by client kind (undefined: a kind a client may not send). */
  readonly byKind: Array<LaneHandler | undefined> = new Array(KIND_TABLE_SIZE).fill(undefined);

  constructor(ctx: LaneContext, options: ResolvedLaneOptions) {
    this.control = new ControlLane(ctx);
    this.host = new HostControlLane(ctx);
    this.chat = new ChatLane(ctx);
    this.poll = new PollLane(ctx, options);
    this.document = new DocumentLane(ctx, options);
    this.media = new MediaLane(ctx);
    this.all = [this.media, this.document, this.poll, this.chat, this.host, this.control];
    const named: Record<LaneHandlerName, LaneHandler> = {
      control: this.control,
      host: this.host,
      chat: this.chat,
      poll: this.poll,
      document: this.document,
      media: this.media,
    };
    for (const lane of this.all) {
      for (const kind of lane.kinds) {
        // The table in protocol/ is the authority; a lane claiming a kind it does not list is a programming error.
        if (named[CLIENT_KIND_HANDLER[kind]!] !== lane) throw new Error(`kind ${kind} is not the ${lane.constructor.name}'s in protocol/kind-lanes.ts`);
        this.byKind[kind] = lane;
      }
    }
  }

  /** Periodic work (every 250 ms): active speakers, stalled document receivers. */
  tick(now: number): void {
    for (const lane of this.all) lane.tick(now);
  }

  participantLeft(member: Member): void {
    for (const lane of this.all) lane.participantLeft(member);
  }

  participantAway(member: Member): void {
    for (const lane of this.all) lane.participantAway?.(member);
  }

  participantBack(member: Member): void {
    for (const lane of this.all) lane.participantBack?.(member);
  }

  memberChanged(member: Member): void {
    for (const lane of this.all) lane.memberChanged(member);
  }

  close(): void {
    for (const lane of this.all) lane.close();
  }
}
