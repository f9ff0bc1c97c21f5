/** What a scenario runner gets: the load generator, the started server, timings and pass criteria. */
import type { LoadGenerator } from '../load/load-generator.js';
import type { RunningServer } from '../servers/server.types.js';

export interface RunContext {
  gen: LoadGenerator;
  server: RunningServer;
  quick: boolean;
  warmupMs: number;
  measureMs: number;
  /** Wait after a window for in-flight frames before counting the rest as lost. */
  drainMs: number;
  retries: number;
  /** Traffic senders spread across meetings (see TrafficRun.spread). */
  spread: boolean;
  p99LimitMs: number;
  /** Server RSS (bytes) before any client connected. */
  baselineRssBytes: number;
  /** webinar-join: attendees per step instead of the scenario's (--join-count). */
  joinCount?: number;
  /** Progress output (one line per step). */
  log(line: string): void;
}
