/**
 * The client's poll lane: open, answer, close and share polls; typed events for what the relay sends. Question
 * texts travel as PollText in the payload (the relay never reads them); the structure travels in the envelope.
 */
import { decodePollText, encodePollText, Kind, type Envelope, type EnvelopeInit } from '../protocol/index.js';
import type { PollChoices, PollClosedEvent, PollOpenedEvent, PollSpec, PollTallyEvent } from './client.types.js';

/** What the poll lane needs from its client. */
export interface PollLaneHost {
  send(env: EnvelopeInit): number;
}

export interface PollLaneEvents {
  pollOpened(e: PollOpenedEvent): void;
  pollTally(e: PollTallyEvent): void;
  pollClosed(e: PollClosedEvent): void;
  pollResults(e: PollTallyEvent): void;
}

function randomId(prefix: string): string {
  return prefix + globalThis.crypto.randomUUID();
}

function tallyEvent(env: Envelope): PollTallyEvent {
  const t = env.pollTally;
  return {
    pollId: t?.pollId ?? '',
    from: env.from,
    counts: (t?.questions ?? []).map((q) => q.counts ?? []),
    answers: t?.answers ?? 0,
    closed: t?.closed ?? false,
    answeredBy: t?.answeredBy ?? [],
  };
}

export class PollLane {
  constructor(private readonly host: PollLaneHost, private readonly events: PollLaneEvents) {}

  /** Opens a poll (host or presenter with the poll capability). Returns the poll id. */
  open(spec: PollSpec): string {
    if (spec.questions.length === 0) throw new TypeError('openPoll: a poll needs at least one question');
    for (const q of spec.questions) if (q.options.length === 0) throw new TypeError('openPoll: every question needs at least one option');
    const pollId = spec.pollId ?? randomId('poll-');
    this.host.send({
      kind: Kind.POLL_OPEN,
      pollOpen: {
        pollId,
        optionCounts: spec.questions.map((q) => q.options.length),
        anonymous: spec.anonymous ?? true,
        multipleChoice: spec.multipleChoice ?? false,
      },
      payload: encodePollText({ questions: spec.questions.map((q) => ({ text: q.text, options: [...q.options] })) }),
    });
    return pollId;
  }

  /** Answers a poll; choices[q] is the option (or options) picked for question q. Returns the frame's ref. */
  answer(pollId: string, choices: PollChoices): number {
    const list: Array<{ question: number; options: number[] }> = [];
    choices.forEach((c, question) => {
      if (c === null || c === undefined) return;
      const options = typeof c === 'number' ? [c] : [...c];
      if (options.length > 0) list.push({ question, options });
    });
    return this.host.send({ kind: Kind.POLL_ANSWER, pollAnswer: { pollId, choices: list } });
  }

  /** Closes a poll (its owner or a host). Returns the frame's ref. */
  close(pollId: string): number {
    return this.host.send({ kind: Kind.POLL_CLOSE, pollClose: { pollId } });
  }

  /** Shares the relay's tally of your poll with everyone. Returns the frame's ref. */
  shareResults(pollId: string): number {
    return this.host.send({ kind: Kind.POLL_RESULTS, pollTally: { pollId } });
  }

  /** Handles a poll frame from the relay. */
  handle(env: Envelope): void {
    switch (env.kind) {
      case Kind.POLL_OPEN: {
        const o = env.pollOpen;
        const text = decodePollText(env.payload ?? new Uint8Array());
        const texts = text.ok ? text.value.questions : [];
        const questions = (o?.optionCounts ?? []).map((n, i) => {
          const q = texts[i];
          const options = Array.from({ length: n }, (_, j) => q?.options?.[j] ?? '');
          return { text: q?.text ?? '', options };
        });
        this.events.pollOpened({
          pollId: o?.pollId ?? '',
          from: env.from,
          questions,
          anonymous: o?.anonymous ?? false,
          multipleChoice: o?.multipleChoice ?? false,
          seq: env.seq,
        });
        return;
      }
      case Kind.POLL_TALLY:
        this.events.pollTally(tallyEvent(env));
        return;
      case Kind.POLL_RESULTS:
        this.events.pollResults(tallyEvent(env));
        return;
      case Kind.POLL_CLOSE:
        this.events.pollClosed({ pollId: env.pollClose?.pollId ?? '', from: env.from });
        return;
    }
  }
}
