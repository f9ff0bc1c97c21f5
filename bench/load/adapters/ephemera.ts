/**
 * Adapter for the Ephemera relay: ws://host:port/v1/meetings/<meetingId> with subprotocols
 * ['ephemera.v1', 'bearer.<token>']; joined once the WELCOME envelope arrives. Frames are Envelopes built once per
 * sender with encodeEnvelope; the payload sits at the end, so the worker rewrites its timestamp in place.
 * Receivers find the payload with a tag walk (envelope-scan), never a full decode.
 */
import { BEARER_PREFIX, Kind, SUBPROTOCOL, encodeEnvelope } from '../../../protocol/codec.js';
import { writePayloadTemplate } from '../payload.js';
import type { Adapter, BenchClient, ClientHandlers, ClientSpec, OutFrame } from './adapter.types.js';
import { scanEnvelope, type EnvelopeScan } from './envelope-scan.js';
import type { TokenMinter } from './ephemera-tokens.js';
import { connect, whenJoined } from './ws-client.js';

const KIND_WELCOME: number = Kind.WELCOME;
const KIND_ERROR: number = Kind.ERROR;
const KIND_CHAT: number = Kind.CHAT;
const KIND_MEDIA: number = Kind.MEDIA;

export interface EphemeraAdapterOptions {
  host: string;
  port: number;
  minter: TokenMinter;
  /** Send lossy-lane scenarios as MEDIA on a subscribed track; false sends everything as CHAT. */
  media: boolean;
}

export function ephemeraAdapter(opts: EphemeraAdapterOptions): Adapter {
  const scan: EnvelopeScan = { kind: 0, payloadOffset: -1, payloadLength: 0 };
  const prepared = new Map<string, string>();
  return {
    async prepare(spec: ClientSpec): Promise<void> {
      prepared.set(spec.participantId, await opts.minter.mint(spec.meetingId, spec.participantId, spec.sender));
    },
    async open(spec: ClientSpec, handlers: ClientHandlers): Promise<BenchClient> {
      let token = prepared.get(spec.participantId);
      if (token === undefined) token = await opts.minter.mint(spec.meetingId, spec.participantId, spec.sender);
      else prepared.delete(spec.participantId);
      const url = `ws://${opts.host}:${opts.port}/v1/meetings/${encodeURIComponent(spec.meetingId)}`;
      const ws = connect(url, spec.localAddress, [SUBPROTOCOL, BEARER_PREFIX + token]);
      const onPayload = handlers.onPayload;
      const useMedia = opts.media && spec.lane === 'lossy';
      const dataKind = useMedia ? KIND_MEDIA : KIND_CHAT;
      let joined: (() => void) | undefined;
      let fail: ((why: string) => void) | undefined;
      ws.on('message', (data: Buffer) => {
        if (!scanEnvelope(data, scan)) return;
        const kind = scan.kind;
        if (kind === dataKind && scan.payloadOffset >= 0) onPayload(data, scan.payloadOffset);
        else if (kind === KIND_WELCOME) joined?.();
        else if (kind === KIND_ERROR) fail?.('relay sent an ERROR before WELCOME');
      });
      const conn = await whenJoined(ws, handlers.onClose, (j, f) => {
        joined = j;
        fail = f;
      });
      // TODO(ephemera media): once client/ documents the subscribe API, publishers send TRACK_PUBLISH and
      // receivers TRACK_SUBSCRIBE here (and wait for the acknowledgement) so that lossy scenarios use MEDIA.
      return {
        makeFrame(payloadBytes: number, sender: number): OutFrame {
          const payload = new Uint8Array(payloadBytes);
          const encoded = encodeEnvelope(useMedia ? { kind: Kind.MEDIA, track: 1, payload } : { kind: Kind.CHAT, payload });
          const bytes = Buffer.from(encoded.buffer, encoded.byteOffset, encoded.byteLength);
          const payloadOffset = bytes.length - payloadBytes;
          writePayloadTemplate(bytes, payloadOffset, payloadBytes, sender);
          return { bytes, payloadOffset };
        },
        send(frame: OutFrame) {
          ws.send(frame.bytes, { binary: true });
        },
        close: conn.close,
      };
    },
    close() {
      prepared.clear();
    },
  };
}
