/**
 * Adapter for the Ephemera relay: ws://host:port/v1/meetings/<meetingId> with subprotocols
 * ['ephemera.v1', 'bearer.<token>']; joined once the WELCOME envelope arrives.
 *
 * Reliable scenarios send CHAT envelopes. Audio and video scenarios (unless `media` is off) use the media lane the
 * way a real client does: each publisher publishes track 1 (TRACK_PUBLISH, source AUDIO or VIDEO), every member
 * subscribes to the other publishers' tracks (TRACK_SUBSCRIBE), and frames are MEDIA envelopes. A PING/PONG round
 * trip after each set-up step tells the relay has processed it (it answers subscriptions only with refusals).
 * Video publishers answer KEYFRAME_REQUEST by marking their next frame a keyframe.
 *
 * Frames are built once per sender with encodeEnvelope; the payload sits at the end, so the worker rewrites its
 * timestamp in place. Receivers find the payload with a tag walk (envelope-scan), never a full decode.
 */
import { BEARER_PREFIX, Kind, SUBPROTOCOL, TrackSource, decodeEnvelope, encodeEnvelope, type EnvelopeInit } from '../../../protocol/codec.js';
import { writePayloadTemplate } from '../payload.js';
import type { Adapter, BenchClient, ClientHandlers, ClientSpec, OutFrame } from './adapter.types.js';
import { scanEnvelope, type EnvelopeScan } from './envelope-scan.js';
import type { TokenMinter } from './ephemera-tokens.js';
import { connect, whenJoined } from './ws-client.js';

const KIND_WELCOME: number = Kind.WELCOME;
const KIND_ROSTER: number = Kind.ROSTER;
const KIND_ROSTER_BATCH: number = Kind.ROSTER_BATCH;
const KIND_TRACK_PUBLISH: number = Kind.TRACK_PUBLISH;
const KIND_ERROR: number = Kind.ERROR;
const KIND_PONG: number = Kind.PONG;
const KIND_CHAT: number = Kind.CHAT;
const KIND_MEDIA: number = Kind.MEDIA;
const KIND_KEYFRAME_REQUEST: number = Kind.KEYFRAME_REQUEST;

/** The one track every bench publisher publishes. */
const TRACK_ID = 1;
/** Audio frames carry a level, as real ones do, so the relay's active-speaker tracking runs as in a meeting. */
const AUDIO_LEVEL = 40;
/** How long a set-up round trip may take. */
const SETUP_TIMEOUT_MS = 15_000;

export interface EphemeraAdapterOptions {
  host: string;
  port: number;
  /** Several relays of one cluster: participants alternate between them (default: `port` only). */
  ports?: number[];
  minter: TokenMinter;
  /** Audio/video scenarios on the media lane (true) or as CHAT like the reliable ones (false). */
  media: boolean;
}

/** A frame with, for video, the same frame marked as a keyframe (sent once after a KEYFRAME_REQUEST). */
interface EphemeraFrame extends OutFrame {
  keyframe: { bytes: Buffer; payloadOffset: number } | null;
}

function encodeFrame(init: EnvelopeInit, payloadBytes: number, sender: number): { bytes: Buffer; payloadOffset: number } {
  const encoded = encodeEnvelope(init);
  const bytes = Buffer.from(encoded.buffer, encoded.byteOffset, encoded.byteLength);
  const payloadOffset = bytes.length - payloadBytes;
  writePayloadTemplate(bytes, payloadOffset, payloadBytes, sender);
  return { bytes, payloadOffset };
}

export function ephemeraAdapter(opts: EphemeraAdapterOptions): Adapter {
  const scan: EnvelopeScan = { kind: 0, payloadOffset: -1, payloadLength: 0 };
  const prepared = new Map<string, string>();
  // A cluster: participants alternate between its relays, so that every meeting spans them.
  const ports = opts.ports ?? [opts.port];
  let next = 0;
  return {
    async prepare(spec: ClientSpec): Promise<void> {
      prepared.set(spec.participantId, opts.minter.mint(spec.meetingId, spec.participantId, spec.role));
    },

    async open(spec: ClientSpec, handlers: ClientHandlers): Promise<BenchClient> {
      let token = prepared.get(spec.participantId);
      if (token === undefined) token = opts.minter.mint(spec.meetingId, spec.participantId, spec.role);
      else prepared.delete(spec.participantId);
      const port = ports[next++ % ports.length]!;
      const url = `ws://${opts.host}:${port}/v1/meetings/${encodeURIComponent(spec.meetingId)}`;
      const ws = connect(url, spec.localAddress, [SUBPROTOCOL, BEARER_PREFIX + token]);
      const onPayload = handlers.onPayload;
      const onRosterBytes = handlers.onRosterBytes;
      const media = opts.media && spec.lane !== 'reliable';
      const video = media && spec.lane === 'video';
      const dataKind = media ? KIND_MEDIA : KIND_CHAT;
      let joined: (() => void) | undefined;
      let fail: ((why: string) => void) | undefined;
      let keyframeWanted = false;
      let nextRef = 1;
      const pongs = new Map<number, (error: string | null) => void>();
      let setupError: string | null = null;
      // Publishers whose TRACK_PUBLISH this client has seen (a cluster announces a remote track a little later).
      const announced = new Set<string>();
      let onAnnounced: (() => void) | null = null;

      ws.on('message', (data: Buffer) => {
        if (!scanEnvelope(data, scan)) return;
        const kind = scan.kind;
        if (kind === dataKind && scan.payloadOffset >= 0) {
          onPayload(data, scan.payloadOffset);
        } else if (kind === KIND_KEYFRAME_REQUEST) {
          keyframeWanted = true;
        } else if (kind === KIND_ROSTER_BATCH || kind === KIND_ROSTER) {
          onRosterBytes?.(data.length);
        } else if (kind === KIND_WELCOME || kind === KIND_TRACK_PUBLISH) {
          if (kind === KIND_WELCOME) {
            onRosterBytes?.(data.length);
            joined?.();
          }
          if (media && ports.length > 1) {
            const d = decodeEnvelope(data);
            if (d.ok && kind === KIND_TRACK_PUBLISH) announced.add(d.value.trackInfo?.publisher ?? '');
            if (d.ok && kind === KIND_WELCOME) for (const t of d.value.welcome?.tracks ?? []) announced.add(t.publisher ?? '');
            onAnnounced?.();
          }
        } else if (kind === KIND_PONG) {
          const d = decodeEnvelope(data);
          const waiter = d.ok ? pongs.get(d.value.ref) : undefined;
          if (d.ok && waiter) {
            pongs.delete(d.value.ref);
            waiter(setupError);
          }
        } else if (kind === KIND_ERROR) {
          const d = decodeEnvelope(data);
          const code = d.ok ? (d.value.error?.code ?? 'unknown') : 'unreadable';
          setupError ??= `relay refused: ${code}`;
          fail?.(`relay refused: ${code}`);
        }
      });
      let closeInfo = '';
      ws.on('close', (code, reason) => {
        closeInfo = `${code} ${reason.toString()}${closeInfo}`;
        // A set-up round trip cannot complete any more: fail it now rather than at its timeout.
        for (const waiter of pongs.values()) waiter(`connection closed (${closeInfo})`);
        pongs.clear();
      });
      ws.on('error', (err) => {
        closeInfo += ` after error: ${err.message}`;
      });
      const conn = await whenJoined(ws, handlers.onClose, (j, f) => {
        joined = j;
        fail = f;
      });

      /** Sends `envelopes` then a PING, and resolves at its PONG (rejects if the relay refused any of them). */
      const roundTrip = (envelopes: EnvelopeInit[]): Promise<void> =>
        new Promise((resolve, reject) => {
          if (ws.readyState !== ws.OPEN) {
            reject(new Error(`set-up failed: connection closed (${closeInfo})`));
            return;
          }
          const ref = nextRef++;
          const timer = setTimeout(() => {
            pongs.delete(ref);
            reject(new Error(`no PONG within ${SETUP_TIMEOUT_MS} ms`));
          }, SETUP_TIMEOUT_MS);
          pongs.set(ref, (error) => {
            clearTimeout(timer);
            if (error) reject(new Error(`set-up failed: ${error}`));
            else resolve();
          });
          for (const env of envelopes) ws.send(encodeEnvelope(env), { binary: true });
          ws.send(encodeEnvelope({ kind: Kind.PING, ref }), { binary: true });
        });

      const client: BenchClient = {
        makeFrame(payloadBytes: number, sender: number): EphemeraFrame {
          const payload = new Uint8Array(payloadBytes);
          if (!media) return { ...encodeFrame({ kind: Kind.CHAT, payload }, payloadBytes, sender), keyframe: null };
          const init: EnvelopeInit = { kind: Kind.MEDIA, track: TRACK_ID, audioLevel: video ? 0 : AUDIO_LEVEL, payload };
          const plain = encodeFrame(init, payloadBytes, sender);
          return { ...plain, keyframe: video ? encodeFrame({ ...init, keyframe: true }, payloadBytes, sender) : null };
        },
        send(frame: OutFrame) {
          const key = (frame as EphemeraFrame).keyframe;
          if (keyframeWanted && key) {
            keyframeWanted = false;
            frame.bytes.copy(key.bytes, key.payloadOffset, frame.payloadOffset);
            ws.send(key.bytes, { binary: true });
            return;
          }
          ws.send(frame.bytes, { binary: true });
        },
        close: conn.close,
      };
      if (media) {
        client.startPublishing = () =>
          roundTrip([{ kind: Kind.TRACK_PUBLISH, trackInfo: { id: TRACK_ID, source: video ? TrackSource.VIDEO : TrackSource.AUDIO, codec: video ? 'vp8' : 'opus' } }]);
        client.subscribeTo = async (publishers) => {
          // In a cluster, subscribe once the tracks are announced here, as a real client does.
          if (ports.length > 1) {
            const until = Date.now() + SETUP_TIMEOUT_MS;
            while (!publishers.every((p) => announced.has(p)) && Date.now() < until) {
              await new Promise<void>((resolve) => {
                onAnnounced = resolve;
                setTimeout(resolve, 50);
              });
            }
            onAnnounced = null;
          }
          return roundTrip(publishers.map((publisher) => ({ kind: Kind.TRACK_SUBSCRIBE, subscription: { publisher, track: TRACK_ID } })));
        };
      }
      return client;
    },

    close() {
      prepared.clear();
    },
  };
}
