/** The web page's banner words for the SDK's recovery events (web/src/connection-banner.ts): pure functions. */
import { describe, expect, it } from 'vitest';
import { failedWords, reconnectingWords, REJOINED_WORDS } from '../../web/src/connection-banner.js';

describe('connection banner words', () => {
  it('a drop and a cluster close both say the page is reconnecting, each with its cause', () => {
    expect(reconnectingWords(1006, 1)).toBe('Connection lost. Reconnecting to the meeting… (attempt 1)');
    expect(reconnectingWords(4014, 2)).toBe('The relay lost touch with the rest of the meeting. Reconnecting to the meeting… (attempt 2)');
    expect(reconnectingWords(4013, 1)).toMatch(/^The relay lost touch .* Reconnecting to the meeting/);
    expect(reconnectingWords(1001, 1)).toMatch(/^The relay is shutting down\. Reconnecting/);
  });
  it('a rejoin says what was sent meanwhile is not shown', () => {
    expect(REJOINED_WORDS).toMatch(/not shown/);
  });
  it('a failure names why, including a token that cannot be used again', () => {
    expect(failedWords('RELAY_ERR_RESUME_REFUSED', 'token_single_use')).toMatch(/one join only/);
    expect(failedWords('RELAY_ERR_RESUME_REFUSED', 'token_expired')).toMatch(/expired/);
    expect(failedWords('RELAY_ERR_RESUME_REFUSED')).toBe('The relay no longer held your place in the meeting.');
    expect(failedWords('RELAY_ERR_MEETING_ENDED')).toMatch(/ended/);
  });
});
