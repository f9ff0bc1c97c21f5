/** The seam between the load generator and a server's wire: one adapter per wire, same worker code for all. */

/** A frame ready to send, built once per sender: the worker rewrites the timestamp then sends the same bytes. */
export interface OutFrame {
  /** The whole WebSocket message (payload wrapped in the server's framing). */
  readonly bytes: Buffer;
  /** Where the bench payload starts inside `bytes`. */
  readonly payloadOffset: number;
}

/** Called for every payload delivered to a client: `data` holds it at `offset`. Must not keep `data`. */
export type PayloadHandler = (data: Buffer, offset: number) => void;

/** What a joined client reports to the worker. */
export interface ClientHandlers {
  onPayload: PayloadHandler;
  /** The connection ended after the join (not called for close()). */
  onClose: (code: number) => void;
  /** Bytes of a roster message (Ephemera: WELCOME, ROSTER, ROSTER_BATCH) this client received; optional. */
  onRosterBytes?: (bytes: number) => void;
}

/** Who a client is and where it goes. */
export interface ClientSpec {
  meetingId: string;
  /** A participant id unique in the run (Ephemera tokens need one). */
  participantId: string;
  /** Source address for the TCP connection (127.0.0.x) so that many connections do not exhaust ports. */
  localAddress: string;
  /** Whether this client publishes (Ephemera media: publishers publish a track, receivers subscribe). */
  sender: boolean;
  /** The lane of the frames: reliable (Ephemera CHAT) or a lossy media track (Ephemera MEDIA, audio or video). */
  lane: Lane;
  /** The participant's role where the wire has roles (Ephemera tokens); default attendee. */
  role?: 'host' | 'presenter' | 'attendee';
}

/** What kind of traffic a scenario sends; only Ephemera tells them apart on the wire. */
export type Lane = 'reliable' | 'audio' | 'video';

/** One connected, joined client. */
export interface BenchClient {
  /** Builds this client's reusable frame with a blank payload of `payloadBytes`, stamped with `sender`. */
  makeFrame(payloadBytes: number, sender: number): OutFrame;
  /** Sends the frame as it is now. */
  send(frame: OutFrame): void;
  /** Ends the connection at once. Idempotent. */
  close(): void;
  /**
   * Meeting set-up once every member joined, for wires with media tracks (Ephemera): publishers publish their
   * track, then every member subscribes to the others' tracks. Each resolves once the server has processed it.
   */
  startPublishing?(): Promise<void>;
  subscribeTo?(publisherIds: readonly string[]): Promise<void>;
}

/** Opens clients of one server. open() resolves once the client is joined and may send and receive. */
export interface Adapter {
  open(spec: ClientSpec, handlers: ClientHandlers): Promise<BenchClient>;
  /** Makes ahead of time what open(spec) will need (Ephemera: the join token), so joins are timed alone. */
  prepare?(spec: ClientSpec): Promise<void>;
  /** Releases what the adapter holds (keys, timers). Idempotent. */
  close(): void;
}
