/**
 * The polls panel. Hosts and presenters open polls; everyone else answers. Answers go to the relay, which sends
 * the owner a live tally and nobody else anything, so an attendee never sees another's answer; the owner may
 * share the results.
 */
import { h, replace } from './dom.js';
import { canOpenPolls, type MeetingContext } from './context.js';
import type { PollTallyEvent } from 'ephemera/client';

function tallyList(questions: ReadonlyArray<{ text: string; options: readonly string[] }>, t: PollTallyEvent): HTMLElement {
  return h(
    'div',
    { class: 'tally', 'data-answers': t.answers },
    ...questions.map((q, qi) =>
      h(
        'ul',
        { 'aria-label': `Results: ${q.text}` },
        ...q.options.map((o, oi) => {
          const n = t.counts[qi]?.[oi] ?? 0;
          return h(
            'li',
            { 'data-option': oi, 'data-count': n },
            h('span', { class: 'option' }, o),
            h('progress', { max: Math.max(1, t.answers), value: n, 'aria-label': `${o}: ${n} of ${t.answers}` }),
            h('span', { class: 'count' }, String(n)),
          );
        }),
      ),
    ),
  );
}

export function pollsPanel(ctx: MeetingContext): HTMLElement {
  const { client } = ctx;
  const list = h('div', { class: 'polls' });
  const creator = h('div', { class: 'poll-creator' });
  const owned = new Map<string, { questions: Array<{ text: string; options: string[] }>; card: HTMLElement; tally: HTMLElement; closed: boolean }>();
  const received = new Map<string, { questions: ReadonlyArray<{ text: string; options: readonly string[] }>; card: HTMLElement }>();

  const question = h('input', { id: 'poll-question', type: 'text', required: true, maxlength: 500 });
  const options = h('textarea', { id: 'poll-options', rows: 3, required: true });
  const anonymous = h('input', { id: 'poll-anonymous', type: 'checkbox', checked: true });
  const form = h(
    'form',
    {
      class: 'poll-form',
      onsubmit: (e: Event) => {
        e.preventDefault();
        const opts = options.value.split('\n').map((s) => s.trim()).filter((s) => s !== '');
        if (question.value.trim() === '' || opts.length < 2) return ctx.announce('A poll needs a question and at least two options.');
        const questions = [{ text: question.value.trim(), options: opts }];
        const pollId = client.openPoll({ questions, anonymous: anonymous.checked });
        const tally = h('div', { class: 'tally-holder' }, h('p', {}, 'No answers yet.'));
        const closeBtn = h('button', { type: 'button', class: 'close-poll' }, 'Close poll');
        const shareBtn = h('button', { type: 'button', class: 'share-results' }, 'Share results');
        const card = h('article', { class: 'poll owned', 'data-poll': pollId }, h('h3', {}, questions[0]!.text), tally, h('div', { class: 'row' }, closeBtn, shareBtn));
        const entry = { questions, card, tally, closed: false };
        closeBtn.addEventListener('click', () => {
          client.closePoll(pollId);
          entry.closed = true;
          closeBtn.disabled = true;
        });
        shareBtn.addEventListener('click', () => {
          client.shareResults(pollId);
          ctx.announce('Results shared with everyone.');
        });
        owned.set(pollId, entry);
        list.prepend(card);
        question.value = '';
        options.value = '';
      },
    },
    h('h3', {}, 'Open a poll'),
    h('label', { for: 'poll-question' }, 'Question'),
    question,
    h('label', { for: 'poll-options' }, 'Options, one per line'),
    options,
    h('label', { class: 'check' }, anonymous, ' Anonymous (you will not see who answered)'),
    h('button', { type: 'submit', class: 'primary' }, 'Open poll'),
  );
  const refreshCreator = (): void => replace(creator, canOpenPolls(ctx) ? form : null);
  refreshCreator();
  ctx.onRosterChange(refreshCreator);

  client.on('pollTally', (t) => {
    const entry = owned.get(t.pollId);
    if (entry === undefined) return;
    const who = t.answeredBy.length > 0 ? h('p', { class: 'answered-by' }, `Answered: ${t.answeredBy.map((id) => ctx.nameOf(id)).join(', ')}`) : null;
    replace(entry.tally, h('p', { class: 'answers' }, `${t.answers} ${t.answers === 1 ? 'answer' : 'answers'}${t.closed ? ' (closed)' : ''}`), tallyList(entry.questions, t), who);
  });

  client.on('pollOpened', (p) => {
    const name = `poll-${p.pollId}`;
    const fieldsets = p.questions.map((q, qi) =>
      h(
        'fieldset',
        {},
        h('legend', {}, q.text),
        ...q.options.map((o, oi) => h('label', { class: 'check' }, h('input', { type: p.multipleChoice ? 'checkbox' : 'radio', name: `${name}-${qi}`, value: oi }), ` ${o}`)),
      ),
    );
    const status = h('p', { class: 'status', role: 'status' });
    const submit = h('button', { type: 'submit', class: 'primary' }, 'Send answer');
    const card = h(
      'article',
      { class: 'poll received', 'data-poll': p.pollId },
      h('p', { class: 'from' }, `Poll from ${ctx.nameOf(p.from)}${p.anonymous ? ' (anonymous)' : ''}`),
      h(
        'form',
        {
          onsubmit: (e: Event) => {
            e.preventDefault();
            const choices = p.questions.map((_q, qi) => {
              const picked = [...card.querySelectorAll<HTMLInputElement>(`input[name="${name}-${qi}"]:checked`)].map((i) => Number(i.value));
              return p.multipleChoice ? picked : (picked[0] ?? null);
            });
            client.answerPoll(p.pollId, choices);
            submit.disabled = true;
            for (const i of card.querySelectorAll<HTMLInputElement>('input')) i.disabled = true;
            status.textContent = 'Your answer was sent. Only the poll owner sees the tally.';
            card.dataset.answered = 'true';
          },
        },
        ...fieldsets,
        submit,
      ),
      status,
    );
    received.set(p.pollId, { questions: p.questions, card });
    list.prepend(card);
    ctx.announce(`New poll from ${ctx.nameOf(p.from)}.`);
  });

  client.on('pollClosed', (c) => {
    const r = received.get(c.pollId);
    if (r === undefined) return;
    r.card.dataset.closed = 'true';
    for (const el of r.card.querySelectorAll<HTMLInputElement | HTMLButtonElement>('input, button')) el.disabled = true;
    r.card.querySelector('.status')!.textContent = 'This poll is closed.';
  });

  client.on('pollResults', (t) => {
    const r = received.get(t.pollId);
    if (r === undefined) return;
    r.card.querySelector('.shared-results')?.remove();
    r.card.append(h('div', { class: 'shared-results' }, h('h3', {}, `Results (${t.answers} ${t.answers === 1 ? 'answer' : 'answers'})`), tallyList(r.questions, t)));
  });

  return h('section', { class: 'panel polls-panel', 'aria-labelledby': 'polls-heading' }, h('h2', { id: 'polls-heading' }, 'Polls'), creator, list);
}
