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

export type Scenario = TrafficScenario | JoinScenario | IdleScenario;

/** Deliveries per second a traffic level offers. */
export function offeredPerSec(s: TrafficScenario, level: TrafficLevel): number {
  return level.meetings * s.sendersPerMeeting * level.ratePerSender * s.burst * (s.meetingSize - 1);
}
