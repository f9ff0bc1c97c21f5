/** Host controls in a participant's menu: ask to mute, promote or demote, remove, remove and bar. */
import type { EphemeraClient, RosterParticipant } from 'ephemera/client';
import { h } from './dom.js';

export function hostMenu(client: EphemeraClient, p: RosterParticipant, announce: (m: string) => void): HTMLElement {
  const name = p.displayName || p.id;
  const item = (label: string, cls: string, run: () => void): HTMLButtonElement =>
    h('button', { type: 'button', class: cls, onclick: () => {
      run();
      announce(`${label}: ${name}.`);
      (menu as HTMLDetailsElement).open = false;
    } }, label);
  const items = [
    item('Ask to mute', 'ask-mute', () => client.askMute(p.id)),
    p.role === 'attendee' ? item('Make presenter', 'promote', () => client.promote(p.id)) : null,
    p.role === 'presenter' ? item('Make attendee', 'demote', () => client.demote(p.id)) : null,
    item('Remove', 'remove danger', () => client.remove(p.id)),
    item('Remove and bar', 'remove-bar danger', () => client.remove(p.id, { bar: true })),
  ];
  const menu: HTMLElement = h('details', { class: 'menu' }, h('summary', { 'aria-label': `Host actions for ${name}` }, 'Actions'), h('div', { class: 'menu-items', role: 'group', 'aria-label': `Host actions for ${name}` }, ...items));
  return menu;
}
