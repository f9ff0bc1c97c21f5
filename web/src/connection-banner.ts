/**
 * The connection banner: while the SDK reconnects after a dropped connection it says so (the meeting goes on
 * for the others, who see this participant as reconnecting); it goes once the session resumed. A resume the relay
 * could not fully cover (RESUME_GAP) leaves a notice that some messages were missed (counts per kind, never
 * content); a resume that failed says why before the page shows the lost state.
 */
import type { EphemeraClient, ResumeGapInfo } from 'ephemera/client';
import { h } from './dom.js';

const LANE_WORDS: Record<string, string> = { chat: 'chat messages', poll: 'poll updates', document: 'file offers', control: 'meeting updates' };

/** What the gap frame says was missed, in words ("12 chat messages, 1 poll update"), or a plain sentence. */
export function missedWords(gap: ResumeGapInfo): string {
  if (!gap.countsKnown) return 'You missed some messages while you were reconnecting.';
  const parts = Object.entries(gap.missed)
    .filter(([, n]) => n > 0)
    .map(([lane, n]) => `${n} ${LANE_WORDS[lane] ?? `${lane} frames`}`);
  return parts.length === 0 ? 'You missed some messages while you were reconnecting.' : `You missed some messages while you were reconnecting (${parts.join(', ')}).`;
}

/** Friendly words for why a resume failed (FailedEvent.reason). */
export function failedWords(reason: string): string {
  if (reason === 'RELAY_ERR_RESUME_REFUSED') return 'The relay no longer held your place in the meeting.';
  if (reason === 'RELAY_ERR_MEETING_ENDED') return 'The meeting ended while you were away.';
  if (reason === 'RELAY_ERR_BARRED') return 'A host removed you while you were away.';
  if (reason === 'gave_up') return 'The relay could not be reached again in time.';
  return `The relay refused to resume the session (${reason}).`;
}

/** The banner element; it follows the client's reconnect events by itself. */
export function connectionBanner(client: EphemeraClient, onFailed: (words: string) => void): HTMLElement {
  const text = h('span', { class: 'text' });
  const dismiss = h('button', { type: 'button', class: 'dismiss', hidden: true }, 'Dismiss');
  const el = h('div', { class: 'connection-banner', role: 'status', 'aria-live': 'assertive', hidden: true }, text, dismiss);
  const show = (state: 'reconnecting' | 'missed' | 'failed', words: string): void => {
    el.dataset.state = state;
    text.textContent = words;
    dismiss.hidden = state !== 'missed';
    el.hidden = false;
  };
  dismiss.addEventListener('click', () => {
    el.hidden = true;
    delete el.dataset.state;
  });
  client.on('reconnecting', (e) => show('reconnecting', `Connection lost. Reconnecting to the meeting… (attempt ${e.attempt})`));
  client.on('resumed', (e) => {
    if (e.gap === null) {
      el.hidden = true;
      delete el.dataset.state;
    } else show('missed', missedWords(e.gap));
  });
  client.on('failed', (e) => {
    const words = failedWords(e.reason);
    show('failed', `Could not reconnect: ${words}`);
    onFailed(words);
  });
  return el;
}
