/**
 * The connection banner: while the SDK reconnects after a dropped connection it says so (the meeting goes on
 * for the others, who see this participant as reconnecting); it goes once the session resumed. A resume the relay
 * could not fully cover (RESUME_GAP) leaves a notice that some messages were missed (counts per kind, never
 * content); a resume that failed says why before the page shows the lost state. A relay of a cluster that let
 * the session go (4013 gap, 4014 cut off) is handled by the SDK the same way (through the same relay URL: behind a
 * load balancer it reaches another relay); when it had to join anew (`rejoined`, a new session) the banner says
 * that what was sent meanwhile is not shown.
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

/** Friendly words for why a resume failed (FailedEvent.reason, and rejoinBlocked when the token could not be used). */
export function failedWords(reason: string, rejoinBlocked?: string): string {
  if (rejoinBlocked === 'token_single_use') return 'The relay no longer held your place, and this invitation was for one join only: ask for a new one.';
  if (rejoinBlocked === 'token_expired') return 'The relay no longer held your place, and this invitation has expired: ask for a new one.';
  if (reason === 'RELAY_ERR_TOKEN_EXPIRED') return 'This invitation has expired: ask for a new one.';
  if (reason === 'RELAY_ERR_TOKEN_REPLAYED') return 'This invitation was for one join only: ask for a new one.';
  if (reason === 'RELAY_ERR_RESUME_REFUSED') return 'The relay no longer held your place in the meeting.';
  if (reason === 'RELAY_ERR_MEETING_ENDED') return 'The meeting ended while you were away.';
  if (reason === 'RELAY_ERR_BARRED') return 'A host removed you while you were away.';
  if (reason === 'gave_up') return 'The relay could not be reached again in time.';
  return `The relay refused to resume the session (${reason}).`;
}

/** The reconnecting banner's words for the close that started it (a drop, or a relay of a cluster letting go). */
export function reconnectingWords(code: number, attempt: number): string {
  const why = code === 4013 || code === 4014 ? 'The relay lost touch with the rest of the meeting.' : code === 1001 ? 'The relay is shutting down.' : 'Connection lost.';
  return `${why} Reconnecting to the meeting… (attempt ${attempt})`;
}

/** What the banner says after a rejoin (a new session: nothing sent meanwhile can be shown, the relay keeps none). */
export const REJOINED_WORDS = 'You are back in the meeting. Messages sent while you were away are not shown: nothing is kept to resend them.';

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
  client.on('reconnecting', (e) => show('reconnecting', reconnectingWords(e.code, e.attempt)));
  client.on('rejoined', () => show('missed', REJOINED_WORDS));
  client.on('resumed', (e) => {
    if (e.gap === null) {
      el.hidden = true;
      delete el.dataset.state;
    } else show('missed', missedWords(e.gap));
  });
  client.on('failed', (e) => {
    const words = failedWords(e.reason, e.rejoinBlocked);
    show('failed', `Could not reconnect: ${words}`);
    onFailed(words);
  });
  return el;
}
