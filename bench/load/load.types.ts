/** Messages between the load generator's main thread and its workers (structured-clone safe). */
import type { Lane } from './adapters/adapter.types.js';
import type { ServerEndpoint } from '../servers/server.types.js';

/** A meeting a worker hosts: all its clients live in that worker, so latency is read on one clock. */
export interface MeetingPlan {
  id: string;
  size: number;
  /** The first `senders` members send. */
  senders: number;
  lane: Lane;
}

/** Times are microseconds of process.hrtime (shared by all threads of the process). */
export interface TrafficRun {
  payloadBytes: number;
  burst: number;
  ratePerSender: number;
  startAtUs: number;
  measureFromUs: number;
  measureToUs: number;
  /** How long to wait after the window for in-flight frames before counting the rest as lost. */
  drainMs: number;
  /** Spread each meeting's senders over the send interval instead of sending a meeting's frames together. */
  spread: boolean;
}

export interface JoinRun {
  ratePerSec: number;
  meetingSize: number;
  /** Prefix of the meeting ids of this step (unique per step and worker). */
  meetingPrefix: string;
  startAtUs: number;
  measureFromUs: number;
  measureToUs: number;
  drainMs: number;
}

/** One webinar-join step (one meeting, in one worker). */
export interface WebinarRun {
  meetingId: string;
  attendees: number;
  ratePerSec: number;
  observers: number;
  presenter: { audioBytes: number; audioPerSec: number; videoBytes: number; videoPerSec: number };
  chatPerSec: number;
  /** When the storm's first join is due (the presenter and host start sending at once). */
  startAtUs: number;
  drainMs: number;
}

export interface WebinarResult {
  attempted: number;
  joined: number;
  firstError?: string;
  /** Join latency, upgrade request to WELCOME (microseconds), compressed base64. */
  joinHistogram: string;
  /** Presenter frame latency at the observers during the storm (microseconds), compressed base64. */
  presenterHistogram: string;
  presenterExpected: number;
  presenterReceived: number;
  /** Roster bytes (WELCOME, ROSTER, ROSTER_BATCH) every client received from the storm's start to its end. */
  rosterBytes: number;
  /** When the storm ended (the last join was in, or the drain ran out). */
  endUs: number;
  maxSendLagMs: number;
}

export type WorkerRequest =
  | { id: number; op: 'webinar'; run: WebinarRun }
  | { id: number; op: 'init'; endpoint: ServerEndpoint; workerIndex: number; sourceAddresses: number; connectConcurrency: number }
  | { id: number; op: 'open'; meetings: MeetingPlan[] }
  | { id: number; op: 'traffic'; run: TrafficRun }
  | { id: number; op: 'joins'; run: JoinRun }
  | { id: number; op: 'close-clients' }
  | { id: number; op: 'shutdown' };

export interface OpenResult {
  opened: number;
  failed: number;
  firstError?: string;
  elapsedMs: number;
}

export interface TrafficResult {
  /** Frames sent with a send time inside the window. */
  sent: number;
  /** Deliveries those frames owe (sent x other members). */
  expected: number;
  /** Deliveries received whose send time is inside the window. */
  received: number;
  /** Latency histogram (microseconds, coordinated-omission corrected), compressed base64. */
  histogram: string;
  /** How far the send schedule fell behind at worst (ms): a large value means the generator was the bottleneck. */
  maxSendLagMs: number;
  /** Connections that closed during the run. */
  closedDuringRun: number;
}

export interface JoinResult {
  attempted: number;
  joined: number;
  failed: number;
  firstError?: string;
  /** Join latency from the scheduled start (microseconds), compressed base64. */
  histogram: string;
  maxSendLagMs: number;
}

export type WorkerReply =
  | { id: number; ok: true; op: 'init' | 'close-clients' | 'shutdown' }
  | { id: number; ok: true; op: 'open'; result: OpenResult }
  | { id: number; ok: true; op: 'traffic'; result: TrafficResult }
  | { id: number; ok: true; op: 'joins'; result: JoinResult }
  | { id: number; ok: true; op: 'webinar'; result: WebinarResult }
  | { id: number; ok: false; error: string };
