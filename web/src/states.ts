/** The full-page states around a meeting: connecting, refused, removed, ended, connection lost, left. */
import { h, replace } from './dom.js';

export type EndState = 'refused' | 'removed' | 'ended' | 'lost' | 'left' | 'replaced' | 'problem';

const TITLES: Record<EndState, string> = {
  refused: 'You cannot join this meeting',
  removed: 'You were removed from the meeting',
  ended: 'The meeting has ended',
  lost: 'Connection lost',
  left: 'You left the meeting',
  replaced: 'You joined from somewhere else',
  problem: 'This link does not open a meeting',
};

/** Shows a state page; `action` adds one button (Rejoin, Try again). */
export function showState(root: HTMLElement, state: EndState, detail: string, action?: { label: string; run: () => void }): void {
  document.title = `${TITLES[state]} · Ephemera`;
  const button = action !== undefined ? h('button', { type: 'button', class: 'primary', onclick: () => action.run() }, action.label) : null;
  replace(
    root,
    h(
      'main',
      { class: `state state-${state}`, 'data-state': state },
      h('h1', {}, TITLES[state]),
      h('p', { class: 'detail' }, detail),
      state === 'ended' ? h('p', { class: 'kept' }, 'Nothing of this meeting was kept: no chat, no files, no audio or video. Only a record that it took place remains.') : null,
      button,
    ),
  );
  (root.querySelector('h1') as HTMLElement | null)?.setAttribute('tabindex', '-1');
  (root.querySelector('h1') as HTMLElement | null)?.focus();
}

export function showConnecting(root: HTMLElement, what: string): void {
  document.title = 'Connecting · Ephemera';
  replace(root, h('main', { class: 'state state-connecting', 'data-state': 'connecting', 'aria-busy': 'true' }, h('h1', {}, 'Connecting…'), h('p', { class: 'detail', role: 'status' }, what)));
}
