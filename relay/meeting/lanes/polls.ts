/**
 * Poll lane (reliable). The relay reads only the structure (ids, option counts, choices); question texts travel
 * in the opaque payload of POLL_OPEN and are forwarded untouched. The relay keeps no text: the payload is copied
 * once into the content-frame scratch (payload-frame.ts), sent, and zeroed; a poll holds its structure, tally and
 * the ids of who answered, never a text, so nothing of its content outlives the POLL_OPEN frame.
 *
 * - POLL_OPEN (host or presenter with `poll`): forwarded to every other participant.
 * - POLL_ANSWER (`poll` capability): validated against the structure and tallied; NEVER forwarded to anyone.
 *   A second answer from the same participant id is refused with RELAY_ERR_ALREADY_ANSWERED (the first answer
 *   stands: answers are final, so a tally never has to be undone and an owner's running count only grows).
 * - POLL_TALLY (relay -> owner): coalesced, at most one per `pollTallyIntervalMs`, plus a final one at close;
 *   named polls list who answered (answered_by) to the owner only.
 * - POLL_CLOSE (the owner or any host): later answers are refused with RELAY_ERR_UNKNOWN_POLL; the close is
 *   announced to every other participant.
 * - POLL_RESULTS (the owner): the relay's own tally (never the owner's numbers, never answered_by) goes to
 *   every other participant.
 */
import { encodeEnvelope, Kind, type Envelope } from '../../../protocol/index.js';
import { encodePayloadFrame, releasePayloadFrame } from '../../../protocol/payload-frame.js';
import type { Member as Session } from '../delivery.types.js';
import { CAP_POLL, hasCapability, mayOwnPolls } from '../permissions.js';
import { refuse as refuseVia } from './refuse.js';
import { isLaneId } from './lane-ids.js';
import type { LaneContext, LaneHandler } from './lane.types.js';
import { PollBook } from './poll-state.js';
import type { ResolvedLaneOptions } from './lane-options.js';

type Meeting = LaneContext;

function refuse(meeting: Meeting, session: Session, code: Parameters<typeof refuseVia>[2], ref: number): void {
  refuseVia(meeting.delivery, session, code, ref);
}

/** Sends a frame to every other participant, counted on the poll lane. */
function toOthers(meeting: Meeting, session: Session, frame: Uint8Array): void {
  meeting.delivery.toEveryone(frame, 'poll', session);
}

function openPoll(meeting: Meeting, polls: PollBook, session: Session, env: Envelope): void {
  if (!mayOwnPolls(session.role, session.capabilities)) return refuse(meeting, session, 'RELAY_ERR_NOT_PERMITTED', env.ref);
  const body = env.pollOpen;
  const o = polls.options;
  const counts = body?.optionCounts ?? [];
  if (body == null || !isLaneId(body.pollId) || counts.length === 0 || counts.length > o.maxPollQuestions) {
    return refuse(meeting, session, 'RELAY_ERR_BAD_REQUEST', env.ref);
  }
  for (const n of counts) if (!Number.isInteger(n) || n < 1 || n > o.maxPollOptions) return refuse(meeting, session, 'RELAY_ERR_BAD_REQUEST', env.ref);
  const anonymous = body.anonymous === true;
  const multipleChoice = body.multipleChoice === true;
  const poll = polls.open(body.pollId!, session.participantId, [...counts], anonymous, multipleChoice);
  if (poll === null) return refuse(meeting, session, 'RELAY_ERR_BAD_REQUEST', env.ref);
  meeting.activity.pollsOpened++;
  meeting.markFeature('polls');
  // The question texts are copied once, into the relay's own scratch (never into protobufjs' pooled writer
  // buffers), and wiped once the transports copied them: the relay keeps no copy (SECURITY.md).
  const frame = encodePayloadFrame(
    { kind: Kind.POLL_OPEN, from: session.participantId, seq: meeting.nextSeq(), pollOpen: { pollId: poll.id, optionCounts: poll.optionCounts as number[], anonymous, multipleChoice } },
    env.payload,
  );
  toOthers(meeting, session, frame);
  releasePayloadFrame(frame);
}

function answerPoll(meeting: Meeting, polls: PollBook, session: Session, env: Envelope): void {
  if (!hasCapability(session.capabilities, CAP_POLL)) return refuse(meeting, session, 'RELAY_ERR_NOT_PERMITTED', env.ref);
  const body = env.pollAnswer;
  const poll = polls.get(body?.pollId ?? '');
  if (poll === undefined || poll.closed) return refuse(meeting, session, 'RELAY_ERR_UNKNOWN_POLL', env.ref);
  if (poll.answered.has(session.participantId)) return refuse(meeting, session, 'RELAY_ERR_ALREADY_ANSWERED', env.ref);
  const choices = body!.choices ?? [];
  if (!poll.accepts(choices)) return refuse(meeting, session, 'RELAY_ERR_BAD_REQUEST', env.ref);
  poll.record(session.participantId, choices);
  meeting.activity.pollAnswers++;
  polls.answered(poll);
}

function closePoll(meeting: Meeting, polls: PollBook, session: Session, env: Envelope): void {
  const poll = polls.get(env.pollClose?.pollId ?? '');
  if (poll === undefined || poll.closed) return refuse(meeting, session, 'RELAY_ERR_UNKNOWN_POLL', env.ref);
  if (poll.ownerId !== session.participantId && session.role !== 'host') return refuse(meeting, session, 'RELAY_ERR_NOT_PERMITTED', env.ref);
  polls.close(poll);
  toOthers(meeting, session, encodeEnvelope({ kind: Kind.POLL_CLOSE, from: session.participantId, seq: meeting.nextSeq(), pollClose: { pollId: poll.id } }));
}

function shareResults(meeting: Meeting, polls: PollBook, session: Session, env: Envelope): void {
  const poll = polls.get(env.pollTally?.pollId ?? '');
  if (poll === undefined) return refuse(meeting, session, 'RELAY_ERR_UNKNOWN_POLL', env.ref);
  if (poll.ownerId !== session.participantId) return refuse(meeting, session, 'RELAY_ERR_NOT_PERMITTED', env.ref);
  toOthers(meeting, session, encodeEnvelope({ kind: Kind.POLL_RESULTS, from: session.participantId, seq: meeting.nextSeq(), pollTally: poll.tally(false) }));
}

function handlePollFrame(meeting: Meeting, polls: PollBook, session: Session, env: Envelope, size: number): void {
  const stats = meeting.stats.poll;
  stats.framesIn++;
  stats.bytesIn += size;
  switch (env.kind) {
    case Kind.POLL_OPEN:
      return openPoll(meeting, polls, session, env);
    case Kind.POLL_ANSWER:
      return answerPoll(meeting, polls, session, env);
    case Kind.POLL_CLOSE:
      return closePoll(meeting, polls, session, env);
    case Kind.POLL_RESULTS:
      return shareResults(meeting, polls, session, env);
    default:
      return refuse(meeting, session, 'RELAY_ERR_UNKNOWN_KIND', env.ref);
  }
}

/** The poll lane: the meeting's polls and the frames that act on them. */
export class PollLane implements LaneHandler {
  readonly kinds = [Kind.POLL_OPEN, Kind.POLL_ANSWER, Kind.POLL_CLOSE, Kind.POLL_RESULTS] as const;
  readonly polls: PollBook;

  constructor(private readonly ctx: LaneContext, options: ResolvedLaneOptions) {
    this.polls = new PollBook(ctx, options);
  }

  handle(sender: Session, env: Envelope, size: number): void {
    handlePollFrame(this.ctx, this.polls, sender, env, size);
  }

  participantLeft(): void {}
  memberChanged(): void {}
  tick(): void {}
  close(): void {
    this.polls.clear();
  }
}
