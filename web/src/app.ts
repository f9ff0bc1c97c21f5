/**
 * The web meeting client's entry: reads the invitation from the URL fragment (and clears it), shows the prejoin
 * view, then runs the meeting. Opened with `#host-key=...` (the link `ephemera start` prints), it first creates
 * a development meeting through the invite service of this origin and joins it as host.
 */
import { takeInvitation, joinInvitation, type Invitation } from './invitation.js';
import { createMeeting } from './invite-api.js';
import { showPrejoin } from './prejoin.js';
import { runMeeting } from './meeting.js';
import { showConnecting, showState } from './states.js';

async function main(): Promise<void> {
  const root = document.getElementById('app');
  if (root === null) return;
  let inv: Invitation = takeInvitation();
  let hostKey: string | undefined;
  if (inv.kind === 'new-meeting') {
    hostKey = inv.hostKey;
    showConnecting(root, 'Creating a new meeting…');
    try {
      const m = await createMeeting(hostKey, 'Host');
      inv = joinInvitation(m.host.joinUrl, m.host.token);
    } catch (e) {
      return showState(root, 'problem', `The invite service did not create a meeting: ${(e as Error).message}`);
    }
  }
  if (inv.kind !== 'join') return showState(root, 'problem', inv.kind === 'none' ? inv.problem : 'This link does not open a meeting.');
  const prefs = await showPrejoin(root, inv);
  // Created on the Join click (a user gesture), so that browsers let it play.
  let audio: AudioContext | null = null;
  try {
    audio = new AudioContext({ latencyHint: 'interactive', sampleRate: 48_000 });
    void audio.resume();
  } catch {
    audio = null;
  }
  await runMeeting(root, { invitation: inv, prefs, audio, ...(hostKey !== undefined ? { hostKey } : {}) });
}

// Another invitation opened in this tab changes only the fragment, which loads nothing: start over with it.
window.addEventListener('hashchange', () => {
  if (/(^|[#&])(token|host-key)=/.test(location.hash)) location.reload();
});

void main();
