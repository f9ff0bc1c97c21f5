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

/** The lane handlers by slot; slot 0 is "no lane". */
const SLOT_NAMES: readonly LaneHandlerName[] = ['control', 'host', 'chat', 'poll', 'document', 'media'];

/**
 * Lane slot (1-based index into SLOT_NAMES, 0: none) by client kind, once per process: a table of lane objects per
 * meeting was 64 slots (~530 B per meeting, ~50 B per connection in meetings of ten).
 */
const KIND_SLOT: Uint8Array = (() => {
  const t = new Uint8Array(KIND_TABLE_SIZE);
  for (const [kind, name] of Object.entries(CLIENT_KIND_HANDLER)) {
    if (name !== undefined) t[Number(kind)] = SLOT_NAMES.indexOf(name) + 1;
  }
  return t;
})();

export class LaneSet {
  readonly control: ControlLane;
  readonly host: HostControlLane;
  readonly chat: ChatLane;
  readonly poll: PollLane;
  readonly document: DocumentLane;
  readonly media: MediaLane;
  /** Every lane, in the order their lifecycle hooks run. */
  readonly all: readonly LaneHandler[];
  /** Handlers by slot (KIND_SLOT); index 0 stays undefined. */
  private readonly slots: Array<LaneHandler | undefined>;

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
    this.slots = [undefined, ...SLOT_NAMES.map((n) => named[n])];
    for (const lane of this.all) {
      for (const kind of lane.kinds) {
        // The table in protocol/ is the authority; a lane claiming a kind it does not list is a programming error.
        if (named[CLIENT_KIND_HANDLER[kind]!] !== lane) throw new Error(`kind ${kind} is not the ${lane.constructor.name}'s in protocol/kind-lanes.ts`);
      }
    }
  }

  /** The handler of a client kind (undefined: a kind a client may not send). */
  byKind(kind: number): LaneHandler | undefined {
    return kind >= 0 && kind < KIND_TABLE_SIZE ? this.slots[KIND_SLOT[kind]!] : undefined;
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
