/**
 * Publishing a local camera, screen or microphone track over the meeting's WebSocket: frames are read with
 * MediaStreamTrackProcessor, encoded with WebCodecs (VP8 video, Opus audio) and sent as MEDIA frames.
 * Video sends a keyframe at start, when the relay asks (a receiver joined or dropped frames) and every few seconds;
 * it skips frames while the encoder or the socket is behind, and sends a keyframe after a skip.
 */
import type { EphemeraClient } from 'ephemera/client';
import './webcodecs.types.js';

/** Track ids this page publishes. */
export const TRACK = { camera: 1, microphone: 2, screen: 3 } as const;

/** Above this many bytes queued in the socket, video frames are skipped (then a keyframe follows). */
const SOCKET_BEHIND_BYTES = 256 * 1024;

export interface VideoSendOptions {
  readonly maxFps: number;
  readonly bitrate: number;
  readonly keyframeEveryMs: number;
}

/** Sends one video track (camera or screen). */
export class VideoSender {
  /** Encoded frames sent. */
  framesSent = 0;
  private forceKey = true;
  private stopped = false;
  private encoder: VideoEncoder | null = null;
  private width = 0;
  private height = 0;

  constructor(
    private readonly client: EphemeraClient,
    readonly trackId: number,
    readonly track: MediaStreamTrack,
    private readonly opts: VideoSendOptions,
    private readonly onError: (message: string) => void,
  ) {
    void this.run();
  }

  /** The relay asked for a keyframe (a new subscriber, or one that dropped frames). */
  requestKeyframe(): void {
    this.forceKey = true;
  }

  /** Stops capture and encoding (idempotent). */
  stop(): void {
    this.stopped = true;
    this.track.stop();
  }

  private configure(width: number, height: number): void {
    this.encoder?.close();
    this.width = width;
    this.height = height;
    const encoder = new VideoEncoder({
      output: (chunk) => {
        const bytes = new Uint8Array(chunk.byteLength);
        chunk.copyTo(bytes);
        this.client.sendMedia(this.trackId, bytes, { keyframe: chunk.type === 'key', timestamp: Math.floor(chunk.timestamp / 1000) >>> 0 });
        this.framesSent++;
      },
      error: (e) => {
        this.onError(`video encoder: ${e.message}`);
        this.encoder = null;
      },
    });
    encoder.configure({ codec: 'vp8', width, height, bitrate: this.opts.bitrate, framerate: this.opts.maxFps, latencyMode: 'realtime' });
    this.encoder = encoder;
    this.forceKey = true;
  }

  private async run(): Promise<void> {
    const reader = new MediaStreamTrackProcessor<VideoFrame>({ track: this.track, maxBufferSize: 2 }).readable.getReader();
    const minGapMs = 1000 / this.opts.maxFps - 3;
    let last = -Infinity;
    let lastKey = -Infinity;
    try {
      while (!this.stopped) {
        const { value: frame, done } = await reader.read();
        if (done || frame === undefined) break;
        const now = performance.now();
        const behind = this.client.bufferedAmount > SOCKET_BEHIND_BYTES || (this.encoder !== null && this.encoder.encodeQueueSize > 1);
        if (this.stopped || now - last < minGapMs || behind || this.client.isClosed) {
          if (behind) this.forceKey = true;
          frame.close();
          continue;
        }
        last = now;
        if (this.encoder === null || this.encoder.state === 'closed' || frame.displayWidth !== this.width || frame.displayHeight !== this.height) {
          this.configure(frame.displayWidth, frame.displayHeight);
        }
        const key = this.forceKey || now - lastKey >= this.opts.keyframeEveryMs;
        if (key) {
          this.forceKey = false;
          lastKey = now;
        }
        this.encoder!.encode(frame, { keyFrame: key });
        frame.close();
      }
    } catch (e) {
      if (!this.stopped) this.onError(`video capture: ${(e as Error).message}`);
    } finally {
      void reader.cancel().catch(() => {});
      if (this.encoder !== null && this.encoder.state !== 'closed') this.encoder.close();
    }
  }
}

/** Sends the microphone as Opus with its level (0..127) for the relay's active-speaker detection. */
export class AudioSender {
  framesSent = 0;
  /** The latest input level, 0 (silence) to 127 (loud). */
  level = 0;
  private stopped = false;
  private encoder: AudioEncoder | null = null;
  private samples = new Float32Array(0);

  constructor(private readonly client: EphemeraClient, readonly trackId: number, readonly track: MediaStreamTrack, private readonly onError: (message: string) => void) {
    void this.run();
  }

  stop(): void {
    this.stopped = true;
    this.track.stop();
  }

  private measure(data: AudioData): void {
    const n = data.numberOfFrames;
    if (this.samples.length < n) this.samples = new Float32Array(n);
    const view = this.samples.subarray(0, n);
    data.copyTo(view, { planeIndex: 0, format: 'f32-planar' });
    let sum = 0;
    for (let i = 0; i < n; i++) sum += view[i]! * view[i]!;
    const rms = Math.sqrt(sum / Math.max(1, n));
    const db = rms > 0 ? 20 * Math.log10(rms) : -100;
    this.level = Math.max(0, Math.min(127, Math.round(((db + 60) / 60) * 127)));
  }

  private async run(): Promise<void> {
    const reader = new MediaStreamTrackProcessor<AudioData>({ track: this.track }).readable.getReader();
    try {
      while (!this.stopped) {
        const { value: data, done } = await reader.read();
        if (done || data === undefined) break;
        if (this.encoder === null) {
          const encoder = new AudioEncoder({
            output: (chunk) => {
              const bytes = new Uint8Array(chunk.byteLength);
              chunk.copyTo(bytes);
              this.client.sendMedia(this.trackId, bytes, { audioLevel: this.level, timestamp: Math.floor(chunk.timestamp / 1000) >>> 0 });
              this.framesSent++;
            },
            error: (e) => this.onError(`audio encoder: ${e.message}`),
          });
          encoder.configure({ codec: 'opus', sampleRate: data.sampleRate, numberOfChannels: data.numberOfChannels, bitrate: 32_000 });
          this.encoder = encoder;
        }
        try {
          this.measure(data);
        } catch {
          // A sample format that cannot be converted: keep the last level.
        }
        if (!this.stopped && !this.client.isClosed && this.encoder.state === 'configured') this.encoder.encode(data);
        data.close();
      }
    } catch (e) {
      if (!this.stopped) this.onError(`microphone: ${(e as Error).message}`);
    } finally {
      void reader.cancel().catch(() => {});
      if (this.encoder !== null && this.encoder.state !== 'closed') this.encoder.close();
    }
  }
}
