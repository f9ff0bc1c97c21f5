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
import type { Meeting } from '../meeting.js';
import type { Session } from '../session.js';
import { CAP_POLL, hasCapability, mayOwnPolls } from '../permissions.js';
import { refuse } from './refuse.js';
import { isLaneId } from './lane-ids.js';

/** Publishes a frame to every other participant and counts the deliveries on the poll lane. */
function toOthers(meeting: Meeting, session: Session, frame: Uint8Array): void {
  session.conn?.publish(meeting.topic, frame);
  const receivers = meeting.sessions.size - 1;
  meeting.lanes.poll.framesOut += receivers;
  meeting.lanes.poll.bytesOut += receivers * frame.length;
}

function openPoll(meeting: Meeting, session: Session, env: Envelope): void {
  if (!mayOwnPolls(session.role, session.capabilities)) return refuse(session, 'RELAY_ERR_NOT_PERMITTED', env.ref);
  const body = env.pollOpen;
  const o = meeting.laneState.polls.options;
  const counts = body?.optionCounts ?? [];
  if (body == null || !isLaneId(body.pollId) || counts.length === 0 || counts.length > o.maxPollQuestions) {
    return refuse(session, 'RELAY_ERR_BAD_REQUEST', env.ref);
  }
  for (const n of counts) if (!Number.isInteger(n) || n < 1 || n > o.maxPollOptions) return refuse(session, 'RELAY_ERR_BAD_REQUEST', env.ref);
  const anonymous = body.anonymous === true;
  const multipleChoice = body.multipleChoice === true;
  const poll = meeting.laneState.polls.open(body.pollId!, session.participantId, [...counts], anonymous, multipleChoice);
  if (poll === null) return refuse(session, 'RELAY_ERR_BAD_REQUEST', env.ref);
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

function answerPoll(meeting: Meeting, session: Session, env: Envelope): void {
  if (!hasCapability(session.capabilities, CAP_POLL)) return refuse(session, 'RELAY_ERR_NOT_PERMITTED', env.ref);
  const body = env.pollAnswer;
  const poll = meeting.laneState.polls.get(body?.pollId ?? '');
  if (poll === undefined || poll.closed) return refuse(session, 'RELAY_ERR_UNKNOWN_POLL', env.ref);
  if (poll.answered.has(session.participantId)) return refuse(session, 'RELAY_ERR_ALREADY_ANSWERED', env.ref);
  const choices = body!.choices ?? [];
  if (!poll.accepts(choices)) return refuse(session, 'RELAY_ERR_BAD_REQUEST', env.ref);
  poll.record(session.participantId, choices);
  meeting.activity.pollAnswers++;
  meeting.laneState.polls.answered(poll);
}

function closePoll(meeting: Meeting, session: Session, env: Envelope): void {
  const poll = meeting.laneState.polls.get(env.pollClose?.pollId ?? '');
  if (poll === undefined || poll.closed) return refuse(session, 'RELAY_ERR_UNKNOWN_POLL', env.ref);
  if (poll.ownerId !== session.participantId && session.role !== 'host') return refuse(session, 'RELAY_ERR_NOT_PERMITTED', env.ref);
  meeting.laneState.polls.close(poll);
  toOthers(meeting, session, encodeEnvelope({ kind: Kind.POLL_CLOSE, from: session.participantId, seq: meeting.nextSeq(), pollClose: { pollId: poll.id } }));
}

function shareResults(meeting: Meeting, session: Session, env: Envelope): void {
  const poll = meeting.laneState.polls.get(env.pollTally?.pollId ?? '');
  if (poll === undefined) return refuse(session, 'RELAY_ERR_UNKNOWN_POLL', env.ref);
  if (poll.ownerId !== session.participantId) return refuse(session, 'RELAY_ERR_NOT_PERMITTED', env.ref);
  toOthers(meeting, session, encodeEnvelope({ kind: Kind.POLL_RESULTS, from: session.participantId, seq: meeting.nextSeq(), pollTally: poll.tally(false) }));
}

export function handlePollFrame(meeting: Meeting, session: Session, env: Envelope, size: number): void {
  const stats = meeting.lanes.poll;
  stats.framesIn++;
  stats.bytesIn += size;
  switch (env.kind) {
    case Kind.POLL_OPEN:
      return openPoll(meeting, session, env);
    case Kind.POLL_ANSWER:
      return answerPoll(meeting, session, env);
    case Kind.POLL_CLOSE:
      return closePoll(meeting, session, env);
    case Kind.POLL_RESULTS:
      return shareResults(meeting, session, env);
    default:
      return refuse(session, 'RELAY_ERR_UNKNOWN_KIND', env.ref);
  }
}
