/**
 * The polls of one meeting, in memory only: each poll's structure, its running tally and who has answered
 * (participant ids, never what each one chose). Tallies reach the owner coalesced: a timer per poll, armed by
 * the first answer after a send, fires at most every `pollTallyIntervalMs`; answers never cause a frame each.
 * Everything goes with the meeting (close()).
 */
import { encodeEnvelope, Kind, type PollTally } from '../../../protocol/index.js';
import type { LaneContext } from './lane.types.js';
import type { ResolvedLaneOptions } from './lane-options.js';

/** One choice of an answer as decoded from the wire (protobufjs leaves absent fields undefined or null). */
export interface ChoiceInput {
  question?: number | null;
  options?: number[] | null;
}

export class Poll {
  /** Per question, per option: how many answers picked it. */
  readonly counts: Uint32Array[];
  /** Participant ids that have answered (to refuse a second answer; listed to the owner for named polls). */
  readonly answered = new Set<string>();
  answers = 0;
  closed = false;
  /** The coalescing timer; null while no tally is due. */
  timer: NodeJS.Timeout | null = null;
  /** performance.now() of the last tally sent to the owner. */
  lastSentAt = -Infinity;

  constructor(
    readonly book: PollBook,
    readonly id: string,
    readonly ownerId: string,
    readonly optionCounts: readonly number[],
    readonly anonymous: boolean,
    readonly multipleChoice: boolean,
  ) {
    this.counts = optionCounts.map((n) => new Uint32Array(n));
  }

  /** True when `choices` fits this poll: known questions once each, known options once each, one per question unless multiple choice. */
  accepts(choices: readonly ChoiceInput[]): boolean {
    const questions = this.optionCounts.length;
    if (choices.length === 0 || choices.length > questions) return false;
    const seenQuestions = new Uint8Array(questions);
    for (const c of choices) {
      const q = c.question ?? 0;
      const options = c.options ?? [];
      const count = this.optionCounts[q];
      if (count === undefined || seenQuestions[q] === 1) return false;
      seenQuestions[q] = 1;
      if (options.length === 0 || (!this.multipleChoice && options.length > 1) || options.length > count) return false;
      const seen = new Uint8Array(count);
      for (const o of options) {
        if (!Number.isInteger(o) || o < 0 || o >= count || seen[o] === 1) return false;
        seen[o] = 1;
      }
    }
    return true;
  }

  /** Adds one validated answer to the tally. */
  record(participantId: string, choices: readonly ChoiceInput[]): void {
    this.answered.add(participantId);
    this.answers++;
    for (const c of choices) {
      const row = this.counts[c.question ?? 0]!;
      for (const o of c.options ?? []) row[o] = (row[o] ?? 0) + 1;
    }
  }

  /** The tally as a wire body. `forOwner` adds who answered, for named polls only. */
  tally(forOwner: boolean): PollTally {
    const body: PollTally = {
      pollId: this.id,
      questions: this.counts.map((row) => ({ counts: Array.from(row) })),
      answers: this.answers,
      closed: this.closed,
    };
    if (forOwner && !this.anonymous) body.answeredBy = [...this.answered];
    return body;
  }
}

function onTallyTimer(poll: Poll): void {
  poll.timer = null;
  poll.book.sendTally(poll);
}

/** The polls of one meeting. */
export class PollBook {
  private readonly polls = new Map<string, Poll>();

  constructor(private readonly ctx: LaneContext, readonly options: ResolvedLaneOptions) {}

  get(id: string): Poll | undefined {
    return this.polls.get(id);
  }

  /**
   * Adds a poll, forgetting the oldest closed poll when the meeting is at its limit. Returns null when the id is
   * taken or every kept poll is still open.
   */
  open(id: string, ownerId: string, optionCounts: readonly number[], anonymous: boolean, multipleChoice: boolean): Poll | null {
    if (this.polls.has(id)) return null;
    if (this.polls.size >= this.options.maxPollsPerMeeting) {
      let evicted = false;
      for (const [key, p] of this.polls) {
        if (p.closed) {
          this.polls.delete(key);
          evicted = true;
          break;
        }
      }
      if (!evicted) return null;
    }
    const poll = new Poll(this, id, ownerId, optionCounts, anonymous, multipleChoice);
    this.polls.set(id, poll);
    return poll;
  }

  /** An answer changed the tally: arms the poll's timer unless a tally is already due. */
  answered(poll: Poll): void {
    if (poll.timer !== null) return;
    const delay = Math.max(0, poll.lastSentAt + this.options.pollTallyIntervalMs - performance.now());
    poll.timer = setTimeout(onTallyTimer, delay, poll);
    poll.timer.unref();
  }

  /** Closes a poll: no more answers; the owner gets the final tally now. */
  close(poll: Poll): void {
    poll.closed = true;
    if (poll.timer !== null) {
      clearTimeout(poll.timer);
      poll.timer = null;
    }
    this.sendTally(poll);
  }

  /** Sends the current tally to the poll's owner, if present. */
  sendTally(poll: Poll): void {
    poll.lastSentAt = performance.now();
    const m = this.ctx;
    const owner = m.roster.get(poll.ownerId);
    if (owner === undefined || m.ended) return;
    const frame = encodeEnvelope({ kind: Kind.POLL_TALLY, seq: m.nextSeq(), pollTally: poll.tally(true) });
    m.delivery.toOne(owner, frame, 'poll');
  }

  /** The meeting ended: timers stop, every tally is forgotten. Idempotent. */
  clear(): void {
    for (const p of this.polls.values()) {
      if (p.timer !== null) clearTimeout(p.timer);
      p.timer = null;
    }
    this.polls.clear();
  }
}
