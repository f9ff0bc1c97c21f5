/**
 * Receiving a remote track: VP8 frames are decoded with VideoDecoder and drawn to a canvas; Opus frames are
 * decoded with AudioDecoder and scheduled on Web Audio behind a small jitter buffer.
 */

/** Decodes one remote video track onto a canvas. */
export class VideoReceiver {
  /** Decoded frames drawn. */
  framesDecoded = 0;
  private decoder: VideoDecoder;
  private waitingForKey = true;
  private readonly ctx: CanvasRenderingContext2D | null;

  /** `needKeyframe` is called after a decode error: the caller re-subscribes, which makes the relay ask for one. */
  constructor(readonly canvas: HTMLCanvasElement, private readonly needKeyframe: () => void, private readonly onFrame: () => void) {
    this.ctx = canvas.getContext('2d');
    this.decoder = this.create();
  }

  private create(): VideoDecoder {
    const decoder = new VideoDecoder({
      output: (frame) => {
        if (this.canvas.width !== frame.displayWidth || this.canvas.height !== frame.displayHeight) {
          this.canvas.width = frame.displayWidth;
          this.canvas.height = frame.displayHeight;
        }
        this.ctx?.drawImage(frame, 0, 0);
        frame.close();
        this.framesDecoded++;
        this.onFrame();
      },
      error: () => {
        this.waitingForKey = true;
        this.needKeyframe();
      },
    });
    decoder.configure({ codec: 'vp8', optimizeForLatency: true });
    return decoder;
  }

  /** One MEDIA frame (the payload is copied by EncodedVideoChunk). */
  push(payload: Uint8Array, keyframe: boolean, timestampMs: number): void {
    if (this.decoder.state === 'closed') this.decoder = this.create();
    if (this.waitingForKey && !keyframe) return;
    // Too far behind: drop until the next keyframe rather than show old pictures late.
    if (!keyframe && this.decoder.decodeQueueSize > 8) {
      this.waitingForKey = true;
      return;
    }
    this.waitingForKey = false;
    try {
      this.decoder.decode(new EncodedVideoChunk({ type: keyframe ? 'key' : 'delta', timestamp: timestampMs * 1000, data: payload }));
    } catch {
      this.waitingForKey = true;
      this.needKeyframe();
    }
  }

  close(): void {
    if (this.decoder.state !== 'closed') this.decoder.close();
  }
}

/** How far ahead of the audio clock decoded audio is scheduled: the jitter buffer. */
const JITTER_SECONDS = 0.08;

/** Decodes one remote audio track and plays it. */
export class AudioReceiver {
  framesDecoded = 0;
  private decoder: AudioDecoder;
  private playAt = 0;

  constructor(private readonly audio: AudioContext | null, private readonly out: AudioNode | null, private readonly onFrame: () => void) {
    this.decoder = this.create();
  }

  private create(): AudioDecoder {
    const decoder = new AudioDecoder({
      output: (data) => {
        this.framesDecoded++;
        try {
          this.play(data);
        } finally {
          data.close();
        }
        this.onFrame();
      },
      error: () => {
        // The next frame re-creates the decoder; Opus frames decode independently.
      },
    });
    decoder.configure({ codec: 'opus', sampleRate: 48_000, numberOfChannels: 1 });
    return decoder;
  }

  private play(data: AudioData): void {
    const ctx = this.audio;
    if (ctx === null || this.out === null || ctx.state !== 'running') return;
    const buffer = ctx.createBuffer(1, data.numberOfFrames, data.sampleRate);
    data.copyTo(buffer.getChannelData(0), { planeIndex: 0, format: 'f32-planar' });
    const src = ctx.createBufferSource();
    src.buffer = buffer;
    src.connect(this.out);
    const now = ctx.currentTime;
    // Behind the clock (a gap) or too far ahead (a burst): start again one jitter buffer ahead.
    if (this.playAt < now + 0.005 || this.playAt > now + 4 * JITTER_SECONDS) this.playAt = now + JITTER_SECONDS;
    src.start(this.playAt);
    this.playAt += buffer.duration;
  }

  push(payload: Uint8Array, timestampMs: number): void {
    if (this.decoder.state === 'closed') this.decoder = this.create();
    try {
      this.decoder.decode(new EncodedAudioChunk({ type: 'key', timestamp: timestampMs * 1000, data: payload }));
    } catch {
      // A frame that does not decode is skipped.
    }
  }

  close(): void {
    if (this.decoder.state !== 'closed') this.decoder.close();
  }
}
