/**
 * The shape of bench/results/<timestamp>.json and latest.json. Latency in milliseconds, CPU in microseconds of
 * server CPU time per delivered frame (per join for join-storm). A figure that does not apply is null.
 */

/** One step of a step-up. */
export interface StepResult {
  /** What the step offered, in words ("30 meetings x 10 at 50/s"). */
  level: string;
  /** Deliveries (or joins) per second offered. */
  offeredPerSec: number;
  deliveredPerSec: number;
  p50Ms: number | null;
  p99Ms: number | null;
  p999Ms: number | null;
  maxMs: number | null;
  /** Expected deliveries (or joins) minus those that arrived. */
  lost: number;
  expected: number;
  received: number;
  cpuUsPerFrame: number | null;
  /** Server CPU over the window, percent of one core. */
  serverCpuPct: number;
  /** Load generator CPU (all its threads) over the window, percent of one core: near 100 means client-bound. */
  clientCpuPct: number;
  /** Worst lag of the send schedule (ms); large values mean the generator could not keep the schedule. */
  maxSendLagMs: number;
  rssMB: number;
  connections: number;
  /** Connections that failed to open or closed during the step. */
  connectionFailures: number;
  /** webinar-join: roster bytes all clients received per join, and the presenter's frame latency at the observers. */
  rosterBytesPerJoin?: number | null;
  presenterP50Ms?: number | null;
  presenterP99Ms?: number | null;
  passed: boolean;
  /** Why the step failed, in words. */
  failure?: string;
}

/** One server in one scenario: the figures of the highest step it sustained, and every step. */
export interface ServerScenarioResult {
  deliveredPerSec: number | null;
  p50Ms: number | null;
  p99Ms: number | null;
  p999Ms: number | null;
  lost: number | null;
  cpuUsPerFrame: number | null;
  rssMB: number | null;
  bytesPerConn: number | null;
  clientCpuPct: number | null;
  /** Whether any step passed (p99 under the threshold and nothing lost); false: the figures are the first step's. */
  passed: boolean;
  /** The level the figures come from. */
  level: string | null;
  steps: StepResult[];
  /** Set when the scenario could not run for this server (the reason in one line). */
  error?: string;
  /**
   * Only in merged results (`--merge`): the date of the earlier run these figures come from. Absent: this run's
   * (`machine.date`).
   */
  runDate?: string;
  /** Figures specific to a scenario that the common fields do not hold (the invite bench's own result). */
  details?: unknown;
}

export interface MachineInfo {
  cpus: number;
  model: string;
  node: string;
  date: string;
  quick: boolean;
  warmupS: number;
  durationS: number;
  workers: number;
  serverCore: number;
  loadCore: number;
  p99LimitMs: number;
  /** by-meeting: a meeting's senders fire one after another; spread: interleaved across meetings. */
  sendOrder: 'by-meeting' | 'spread';
}

export interface BenchResults {
  scenarios: Record<string, Record<string, ServerScenarioResult>>;
  machine: MachineInfo;
  /** Servers that did not run at all, with the reason. */
  skipped: Record<string, string>;
}
