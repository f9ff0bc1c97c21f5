/** What a scenario asks of the load generator. Levels are the steps of the step-up, lowest first. */

/** Meetings whose members send frames on a fixed (open-loop) schedule. */
export interface TrafficScenario {
  kind: 'traffic';
  name: string;
  summary: string;
  /** Members per meeting (every one receives what the others send). */
  meetingSize: number;
  /** How many members of each meeting send (the first ones). */
  sendersPerMeeting: number;
  /** Bytes of each frame's payload (>= 16: a timestamp and a sender index lead it). */
  payloadBytes: number;
  /** reliable frames go on Ephemera's chat lane, audio and video on a media track of that kind. */
  lane: 'reliable' | 'audio' | 'video';
  /** Frames sent back to back at each send event (1 = steady stream). */
  burst: number;
  /** The step-up: each level a number of meetings and a send-event rate per sender. */
  levels: { full: TrafficLevel[]; quick: TrafficLevel[] };
}

export interface TrafficLevel {
  meetings: number;
  /** Send events per second per sender (each event sends `burst` frames). */
  ratePerSender: number;
}

/** Connections opened at a fixed rate; each counts once joined (Ephemera: WELCOME received). */
export interface JoinScenario {
  kind: 'join';
  name: string;
  summary: string;
  meetingSize: number;
  /** Joins per second offered at each step. */
  levels: { full: number[]; quick: number[] };
}

/** Idle connections held open to measure the memory each costs. */
export interface IdleScenario {
  kind: 'idle';
  name: string;
  summary: string;
  meetingSize: number;
  connections: { full: number; quick: number };
}

/**
 * One meeting that a storm of attendees joins while a presenter sends audio and video and a host chats; each step
 * a fresh meeting and a faster join rate, until a step fails.
 */
export interface WebinarJoinScenario {
  kind: 'webinar-join';
  name: string;
  summary: string;
  /** Attendees joining in each step (the bench's --join-count overrides it). */
  attendees: { full: number; quick: number };
  /** Joins per second offered at each step. */
  levels: { full: number[]; quick: number[] };
  /** Attendees present before the storm that subscribe to the presenter's tracks: the latency probes. */
  observers: number;
  presenter: { audioBytes: number; audioPerSec: number; videoBytes: number; videoPerSec: number };
  /** Host chat messages per second. */
  chatPerSec: number;
  /** Pass limits: join p99 (upgrade request to WELCOME) and the presenter's frame p99 at the observers. */
  joinP99LimitMs: number;
  presenterP99LimitMs: number;
}

export type Scenario = TrafficScenario | JoinScenario | IdleScenario | WebinarJoinScenario;

/** Deliveries per second a traffic level offers. */
export function offeredPerSec(s: TrafficScenario, level: TrafficLevel): number {
  return level.meetings * s.sendersPerMeeting * level.ratePerSender * s.burst * (s.meetingSize - 1);
}
