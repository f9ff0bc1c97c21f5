/** The demo's tour of the non-chat lanes: host controls and media tracks (extended as lanes land). */
import type { EphemeraClient } from '../../client/index.js';

export type WaitFor = (cond: () => boolean, what: string) => Promise<void>;

export async function runDemoLanes(clients: EphemeraClient[], waitFor: WaitFor): Promise<void> {
  const host = clients[0]!;
  const presenter = clients[1]!;
  // Media: the presenter publishes audio, video and screen; everyone else subscribes and receives a frame of each.
  const tracks = [
    { id: 1, source: 'audio' as const, codec: 'opus' },
    { id: 2, source: 'video' as const, codec: 'vp8' },
    { id: 3, source: 'screen' as const, codec: 'vp8' },
  ];
  for (const t of tracks) presenter.publishTrack(t);
  const others = clients.filter((c) => c !== presenter);
  await waitFor(() => others.every((c) => tracks.every((t) => c.tracks.has(`${presenter.you.id}/${t.id}`))), 'tracks to be announced');
  let mediaReceived = 0;
  for (const c of others) {
    c.on('media', () => mediaReceived++);
    for (const t of tracks) c.subscribe(presenter.you.id, t.id);
  }
  // Subscriptions travel on the same ordered socket as everything else: a ping round trip confirms them.
  await Promise.all(others.map((c) => new Promise<void>((resolve) => {
    const ref = c.ping();
    const onPong = (e: { ref: number }): void => {
      if (e.ref === ref) {
        c.off('pong', onPong);
        resolve();
      }
    };
    c.on('pong', onPong);
  })));
  for (const t of tracks) presenter.sendMedia(t.id, new Uint8Array(64).fill(t.id), { keyframe: true, timestamp: 1, audioLevel: t.source === 'audio' ? 90 : 0 });
  await waitFor(() => mediaReceived >= others.length * tracks.length, 'media frames');
  // Host controls: lock and unlock (counted in the CDR).
  host.lock();
  host.unlock();
}
