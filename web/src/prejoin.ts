/**
 * The prejoin view: who you join as (from the token), a camera and microphone preview with device choice, and
 * whether to join muted or with the camera off.
 */
import { h, replace } from './dom.js';
import type { JoinInvitation } from './invitation.js';

export interface JoinPrefs {
  readonly cameraId: string;
  readonly microphoneId: string;
  readonly micOn: boolean;
  readonly cameraOn: boolean;
  /** The preview stream, handed to the meeting (its tracks are reused). */
  readonly stream: MediaStream | null;
}

/** Constraints of the camera this page sends (small: the relay carries it over one WebSocket). */
export function cameraConstraints(deviceId: string): MediaTrackConstraints {
  return { ...(deviceId !== '' ? { deviceId: { exact: deviceId } } : {}), width: { ideal: 320 }, height: { ideal: 240 }, frameRate: { ideal: 15 } };
}

export function microphoneConstraints(deviceId: string): MediaTrackConstraints {
  return { ...(deviceId !== '' ? { deviceId: { exact: deviceId } } : {}), channelCount: 1, echoCancellation: true, noiseSuppression: true };
}

export function showPrejoin(root: HTMLElement, inv: JoinInvitation): Promise<JoinPrefs> {
  const c = inv.claims;
  document.title = `Join the meeting · Ephemera`;
  const preview = h('video', { class: 'preview', autoplay: true, muted: true, playsinline: true, 'aria-label': 'Your camera preview' });
  const cameraSel = h('select', { id: 'camera-select' });
  const micSel = h('select', { id: 'mic-select' });
  const micOff = h('input', { id: 'join-muted', type: 'checkbox' });
  const camOff = h('input', { id: 'join-camera-off', type: 'checkbox' });
  const note = h('p', { class: 'status', role: 'status' }, 'Asking for your camera and microphone…');
  const join = h('button', { type: 'submit', class: 'primary big', id: 'join-button' }, 'Join meeting');
  let stream: MediaStream | null = null;

  const stopStream = (): void => {
    for (const t of stream?.getTracks() ?? []) t.stop();
    stream = null;
  };
  const open = async (): Promise<void> => {
    stopStream();
    try {
      stream = await navigator.mediaDevices.getUserMedia({ video: camOff.checked ? false : cameraConstraints(cameraSel.value), audio: microphoneConstraints(micSel.value) });
      preview.srcObject = stream;
      note.textContent = '';
    } catch (e) {
      preview.srcObject = null;
      note.textContent = `No camera or microphone (${(e as Error).message}). You can still join to chat, answer polls and share files.`;
    }
    const devices = await navigator.mediaDevices.enumerateDevices().catch(() => [] as MediaDeviceInfo[]);
    const fill = (sel: HTMLSelectElement, kind: MediaDeviceKind, track: MediaStreamTrack | undefined): void => {
      const current = track?.getSettings().deviceId ?? sel.value;
      sel.replaceChildren(...devices.filter((d) => d.kind === kind).map((d, i) => h('option', { value: d.deviceId }, d.label || `${kind === 'videoinput' ? 'Camera' : 'Microphone'} ${i + 1}`)));
      if (current) sel.value = current;
    };
    fill(cameraSel, 'videoinput', stream?.getVideoTracks()[0]);
    fill(micSel, 'audioinput', stream?.getAudioTracks()[0]);
  };
  cameraSel.addEventListener('change', () => void open());
  micSel.addEventListener('change', () => void open());
  camOff.addEventListener('change', () => void open());

  return new Promise((resolve) => {
    const form = h(
      'form',
      {
        class: 'prejoin-form',
        onsubmit: (e: Event) => {
          e.preventDefault();
          join.disabled = true;
          resolve({ cameraId: cameraSel.value, microphoneId: micSel.value, micOn: !micOff.checked, cameraOn: !camOff.checked, stream });
        },
      },
      h('div', { class: 'preview-box' }, preview),
      h('div', { class: 'field' }, h('label', { for: 'camera-select' }, 'Camera'), cameraSel),
      h('div', { class: 'field' }, h('label', { for: 'mic-select' }, 'Microphone'), micSel),
      h('label', { class: 'check' }, micOff, ' Join with my microphone muted'),
      h('label', { class: 'check' }, camOff, ' Join with my camera off'),
      note,
      join,
    );
    replace(
      root,
      h(
        'main',
        { class: 'prejoin', 'data-state': 'prejoin' },
        h('h1', {}, 'Ready to join?'),
        h('p', { class: 'who' }, 'You join as ', h('strong', { class: 'display-name' }, c.displayName), ` (${c.role}).`),
        form,
      ),
    );
    void open();
  });
}
