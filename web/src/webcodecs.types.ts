/** Types TypeScript's DOM library lacks: MediaStreamTrackProcessor (Chromium, Edge; insertable streams). */
declare global {
  class MediaStreamTrackProcessor<T extends VideoFrame | AudioData> {
    constructor(init: { track: MediaStreamTrack; maxBufferSize?: number });
    readonly readable: ReadableStream<T>;
  }
}
export {};
