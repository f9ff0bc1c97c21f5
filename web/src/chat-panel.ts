/** The chat panel: to everyone, to one participant, or to the hosts. The relay keeps no history. */
import { h } from './dom.js';
import type { MeetingContext } from './context.js';

export function chatPanel(ctx: MeetingContext): HTMLElement {
  const { client } = ctx;
  const log = h('ol', { class: 'chat-messages' });
  // The log scrolls: it takes focus so that keyboard users can scroll it too.
  const logBox = h('div', { class: 'chat-log', role: 'log', 'aria-live': 'polite', 'aria-label': 'Chat messages', tabindex: 0 }, log);
  const to = h('select', { id: 'chat-to', name: 'to' });
  const input = h('input', { id: 'chat-text', name: 'text', type: 'text', autocomplete: 'off', maxlength: 2000, required: true });
  const refreshAudience = (): void => {
    const keep = to.value;
    to.replaceChildren(h('option', { value: 'everyone' }, 'Everyone'), h('option', { value: 'hosts' }, 'Hosts only'));
    for (const p of client.roster.values()) if (p.id !== client.you.id) to.append(h('option', { value: `one:${p.id}` }, `${p.displayName || p.id} (private)`));
    to.value = [...to.options].some((o) => o.value === keep) ? keep : 'everyone';
  };
  refreshAudience();
  ctx.onRosterChange(refreshAudience);

  const add = (who: string, audience: string, text: string, incoming: boolean, from: string): void => {
    const label = audience === 'one' ? (incoming ? 'to you privately' : `privately to ${who}`) : audience === 'hosts' ? 'to hosts' : 'to everyone';
    log.append(
      h(
        'li',
        { class: incoming ? 'incoming' : 'outgoing', 'data-audience': audience, 'data-from': from },
        h('span', { class: 'who' }, incoming ? who : 'You'),
        ' ',
        h('span', { class: 'audience' }, label),
        h('span', { class: 'text' }, text),
      ),
    );
    logBox.scrollTop = logBox.scrollHeight;
  };
  client.on('chat', (m) => add(ctx.nameOf(m.from), m.audience, m.text, true, m.from));

  const form = h(
    'form',
    {
      class: 'chat-form',
      onsubmit: (e: Event) => {
        e.preventDefault();
        const text = input.value.trim();
        if (text === '') return;
        const target = to.value;
        if (target === 'hosts') {
          client.sendChat(text, { hosts: true });
          add('', 'hosts', text, false, client.you.id);
        } else if (target.startsWith('one:')) {
          const id = target.slice(4);
          client.sendChat(text, { to: id });
          add(ctx.nameOf(id), 'one', text, false, client.you.id);
        } else {
          client.sendChat(text);
          add('', 'everyone', text, false, client.you.id);
        }
        input.value = '';
      },
    },
    h('label', { for: 'chat-to' }, 'To'),
    to,
    h('label', { for: 'chat-text' }, 'Message'),
    input,
    h('button', { type: 'submit', class: 'primary' }, 'Send'),
  );
  return h('section', { class: 'panel chat', 'aria-labelledby': 'chat-heading' }, h('h2', { id: 'chat-heading' }, 'Chat'), logBox, form);
}
