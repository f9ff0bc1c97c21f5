/**
 * The host's invitation panel (development): creates invitation links through the invite service's API with
 * the development host key the page was opened with. In production the operator's backend does this.
 */
import { h } from './dom.js';
import { createInvite } from './invite-api.js';

export function invitePanel(hostKey: string, meetingId: string): HTMLElement {
  const role = h('select', { id: 'invite-role' }, h('option', { value: 'attendee' }, 'Attendee'), h('option', { value: 'presenter' }, 'Presenter'), h('option', { value: 'host' }, 'Host'));
  const name = h('input', { id: 'invite-name', type: 'text', maxlength: 128, autocomplete: 'off' });
  const links = h('ul', { class: 'invite-links', 'aria-label': 'Invitation links' });
  const status = h('p', { class: 'status', role: 'status' });
  let n = 0;
  const form = h(
    'form',
    {
      onsubmit: (e: Event) => {
        e.preventDefault();
        status.textContent = 'Creating…';
        createInvite(hostKey, meetingId, role.value, name.value.trim())
          .then((g) => {
            const id = `invite-link-${++n}`;
            const field = h('input', { id, class: 'invite-link', type: 'text', readonly: true, value: g.link ?? '', 'data-role': g.role, 'data-name': g.displayName ?? '' });
            const copy = h('button', { type: 'button' }, 'Copy');
            copy.addEventListener('click', () => {
              field.select();
              void navigator.clipboard?.writeText(field.value).then(() => (status.textContent = 'Link copied.'), () => (status.textContent = 'Select the link and copy it.'));
            });
            links.append(h('li', {}, h('label', { for: id }, `${g.displayName ?? g.participantId} (${g.role})`), field, copy));
            status.textContent = `Invitation for ${g.displayName ?? g.participantId} created. Send the link; it works until ${new Date(g.expiresAt).toLocaleTimeString()}.`;
            name.value = '';
          })
          .catch((err: Error) => (status.textContent = `No invitation: ${err.message}`));
      },
    },
    h('label', { for: 'invite-name' }, 'Name'),
    name,
    h('label', { for: 'invite-role' }, 'Role'),
    role,
    h('button', { type: 'submit', class: 'primary' }, 'Create invitation link'),
  );
  return h('section', { class: 'panel invite-panel', 'aria-labelledby': 'invite-heading' }, h('h2', { id: 'invite-heading' }, 'Invite people'), form, status, links);
}
