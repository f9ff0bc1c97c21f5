/** Poll lane over real sockets: open, answer, tally to the owner only, close, share results, and every refusal. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Kind } from '../../protocol/index.js';
import { meetingId, startHarness, TRANSPORTS, waitFor, type Harness } from '../helpers/relay-harness.js';
import { waitForCdr } from '../helpers/cdr-file.js';
import type { PollOpenedEvent, PollTallyEvent } from '../../client/index.js';
import { fullRoster, recordFrames, refusal, roundTrip } from './lanes-helpers.js';

const QUESTIONS = [
  { text: 'Lunch?', options: ['pizza', 'salad', 'soup'] },
  { text: 'Coffee?', options: ['yes', 'no'] },
];

describe.each(TRANSPORTS)('polls over %s', (transport) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(transport, { emptyTimeoutMs: 100 });
  });
  afterAll(async () => {
    await h.close();
  });

  it('opens a poll for everyone, tallies answers to the owner only, closes and shares results', async () => {
    const mid = meetingId();
    const presenter = await h.join(mid, 'presenter', { role: 'presenter' });
    const host = await h.join(mid, 'host', { role: 'host' });
    const a = await h.join(mid, 'a');
    const b = await h.join(mid, 'b');
    const all = [presenter, host, a, b];
    await fullRoster(all);
    const framesA = recordFrames(a);
    const framesB = recordFrames(b);
    const opened: PollOpenedEvent[] = [];
    for (const c of [host, a, b]) c.on('pollOpened', (e) => opened.push(e));
    let presenterOpened = 0;
    presenter.on('pollOpened', () => presenterOpened++);
    const tallies: PollTallyEvent[] = [];
    presenter.on('pollTally', (e) => tallies.push(e));

    const pollId = presenter.openPoll({ questions: QUESTIONS, anonymous: true });
    await waitFor(() => opened.length === 3);
    expect(opened[0]).toMatchObject({ pollId, from: 'presenter', anonymous: true, multipleChoice: false, questions: QUESTIONS });
    expect(presenterOpened).toBe(0);

    a.answerPoll(pollId, [0, 1]);
    b.answerPoll(pollId, [2]);
    host.answerPoll(pollId, [0, 0]);
    await waitFor(() => tallies.length > 0 && tallies[tallies.length - 1]!.answers === 3);
    const tally = tallies[tallies.length - 1]!;
    expect(tally.counts).toEqual([[2, 0, 1], [1, 1]]);
    expect(tally.answeredBy).toEqual([]);
    expect(tally.from).toBe('');

    // Nobody but the owner saw an answer or a tally.
    await roundTrip(a);
    await roundTrip(b);
    for (const frames of [framesA, framesB]) {
      expect(frames.filter((f) => f.kind === Kind.POLL_ANSWER || f.kind === Kind.POLL_TALLY)).toEqual([]);
    }

    const closedSeen: string[] = [];
    for (const c of [host, a, b]) c.on('pollClosed', (e) => closedSeen.push(`${e.pollId}:${e.from}`));
    presenter.closePoll(pollId);
    await waitFor(() => closedSeen.length === 3 && tallies[tallies.length - 1]!.closed);
    expect(closedSeen).toEqual([`${pollId}:presenter`, `${pollId}:presenter`, `${pollId}:presenter`]);
    expect(tallies[tallies.length - 1]).toMatchObject({ closed: true, answers: 3, counts: [[2, 0, 1], [1, 1]] });

    const results: PollTallyEvent[] = [];
    for (const c of [host, a, b]) c.on('pollResults', (e) => results.push(e));
    presenter.shareResults(pollId);
    await waitFor(() => results.length === 3);
    for (const r of results) expect(r).toMatchObject({ pollId, from: 'presenter', answers: 3, closed: true, counts: [[2, 0, 1], [1, 1]], answeredBy: [] });

    host.endMeeting();
    const cdr = await waitForCdr(h.dataDir, mid);
    expect(cdr.features).toContain('polls');
    expect(cdr.activity).toMatchObject({ pollsOpened: 1, pollAnswers: 3 });
    expect(JSON.stringify(cdr)).not.toContain('Lunch');
  });

  it('named polls list who answered to the owner only, never in shared results', async () => {
    const mid = meetingId();
    const owner = await h.join(mid, 'owner', { role: 'presenter' });
    const a = await h.join(mid, 'a');
    const b = await h.join(mid, 'b');
    await fullRoster([owner, a, b]);
    const tallies: PollTallyEvent[] = [];
    owner.on('pollTally', (e) => tallies.push(e));
    const pollId = owner.openPoll({ pollId: 'named-1', questions: [{ text: 'Pick any', options: ['x', 'y', 'z'] }], anonymous: false, multipleChoice: true });
    expect(pollId).toBe('named-1');
    await roundTrip(owner);
    a.answerPoll(pollId, [[0, 2]]);
    b.answerPoll(pollId, [[1]]);
    await waitFor(() => tallies.length > 0 && tallies[tallies.length - 1]!.answers === 2);
    const last = tallies[tallies.length - 1]!;
    expect(last.counts).toEqual([[1, 1, 1]]);
    expect([...last.answeredBy].sort()).toEqual(['a', 'b']);
    const results: PollTallyEvent[] = [];
    a.on('pollResults', (e) => results.push(e));
    owner.shareResults(pollId);
    await waitFor(() => results.length === 1);
    expect(results[0]!.answeredBy).toEqual([]);
    expect(results[0]!.closed).toBe(false);
    for (const c of [owner, a, b]) c.close();
  });

  it('refuses what the structure, the roles and the rules do not allow', async () => {
    const mid = meetingId();
    const host = await h.join(mid, 'host', { role: 'host' });
    const presenter = await h.join(mid, 'presenter', { role: 'presenter' });
    const noPollPresenter = await h.join(mid, 'np', { role: 'presenter', capabilities: ['chat'] });
    const a = await h.join(mid, 'a');
    const b = await h.join(mid, 'b');
    const mute = await h.join(mid, 'mute', { capabilities: ['chat'] });
    await fullRoster([host, presenter, noPollPresenter, a, b, mute]);
    const tallies: PollTallyEvent[] = [];
    presenter.on('pollTally', (e) => tallies.push(e));

    // Opening: attendees and presenters without the poll capability may not; a malformed structure is refused.
    expect(await refusal(a, () => a.send({ kind: Kind.POLL_OPEN, pollOpen: { pollId: 'x', optionCounts: [2] } }))).toBe('RELAY_ERR_NOT_PERMITTED');
    expect(await refusal(noPollPresenter, () => noPollPresenter.send({ kind: Kind.POLL_OPEN, pollOpen: { pollId: 'x', optionCounts: [2] } }))).toBe('RELAY_ERR_NOT_PERMITTED');
    expect(await refusal(presenter, () => presenter.send({ kind: Kind.POLL_OPEN, pollOpen: { pollId: 'x', optionCounts: [] } }))).toBe('RELAY_ERR_BAD_REQUEST');
    expect(await refusal(presenter, () => presenter.send({ kind: Kind.POLL_OPEN, pollOpen: { pollId: '', optionCounts: [2] } }))).toBe('RELAY_ERR_BAD_REQUEST');
    expect(await refusal(presenter, () => presenter.send({ kind: Kind.POLL_OPEN, pollOpen: { pollId: 'x', optionCounts: [2, 0] } }))).toBe('RELAY_ERR_BAD_REQUEST');

    const pollId = presenter.openPoll({ pollId: 'p1', questions: QUESTIONS });
    expect(await refusal(presenter, () => presenter.send({ kind: Kind.POLL_OPEN, pollOpen: { pollId, optionCounts: [2] } }))).toBe('RELAY_ERR_BAD_REQUEST');

    // Answers: unknown poll, no capability, bad structure, then one answer each.
    expect(await refusal(a, () => a.answerPoll('nope', [0]))).toBe('RELAY_ERR_UNKNOWN_POLL');
    expect(await refusal(mute, () => mute.answerPoll(pollId, [0]))).toBe('RELAY_ERR_NOT_PERMITTED');
    expect(await refusal(a, () => a.answerPoll(pollId, [3]))).toBe('RELAY_ERR_BAD_REQUEST');
    expect(await refusal(a, () => a.answerPoll(pollId, [null, 2]))).toBe('RELAY_ERR_BAD_REQUEST');
    expect(await refusal(a, () => a.answerPoll(pollId, [[0, 1]]))).toBe('RELAY_ERR_BAD_REQUEST');
    expect(await refusal(a, () => a.answerPoll(pollId, []))).toBe('RELAY_ERR_BAD_REQUEST');
    expect(await refusal(a, () => a.send({ kind: Kind.POLL_ANSWER, pollAnswer: { pollId, choices: [{ question: 0, options: [1] }, { question: 0, options: [2] }] } }))).toBe('RELAY_ERR_BAD_REQUEST');
    expect(await refusal(a, () => a.send({ kind: Kind.POLL_ANSWER, pollAnswer: { pollId, choices: [{ question: 5, options: [0] }] } }))).toBe('RELAY_ERR_BAD_REQUEST');
    a.answerPoll(pollId, [1]);
    expect(await refusal(a, () => a.answerPoll(pollId, [2]))).toBe('RELAY_ERR_ALREADY_ANSWERED');
    // The first answer stands.
    await waitFor(() => tallies.length > 0 && tallies[tallies.length - 1]!.answers === 1);
    expect(tallies[tallies.length - 1]!.counts).toEqual([[0, 1, 0], [0, 0]]);

    // Closing and sharing: only the owner (closing: or a host).
    expect(await refusal(b, () => b.closePoll(pollId))).toBe('RELAY_ERR_NOT_PERMITTED');
    expect(await refusal(b, () => b.shareResults(pollId))).toBe('RELAY_ERR_NOT_PERMITTED');
    expect(await refusal(host, () => host.shareResults(pollId))).toBe('RELAY_ERR_NOT_PERMITTED');
    expect(await refusal(b, () => b.closePoll('nope'))).toBe('RELAY_ERR_UNKNOWN_POLL');
    const closedBy: string[] = [];
    presenter.on('pollClosed', (e) => closedBy.push(e.from));
    host.closePoll(pollId);
    await waitFor(() => closedBy.length === 1 && tallies[tallies.length - 1]!.closed);
    expect(closedBy).toEqual(['host']);
    // After the close: answers and a second close are refused as for an unknown poll.
    expect(await refusal(b, () => b.answerPoll(pollId, [0]))).toBe('RELAY_ERR_UNKNOWN_POLL');
    expect(await refusal(presenter, () => presenter.closePoll(pollId))).toBe('RELAY_ERR_UNKNOWN_POLL');
    expect(await refusal(b, () => b.shareResults('nope'))).toBe('RELAY_ERR_UNKNOWN_POLL');
    // A kind only the relay sends.
    expect(await refusal(a, () => a.send({ kind: Kind.POLL_TALLY, pollTally: { pollId } }))).toBe('RELAY_ERR_UNKNOWN_KIND');
    for (const c of [host, presenter, noPollPresenter, a, b, mute]) c.close();
  });
});
