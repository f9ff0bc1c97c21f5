/** Runs one scenario against one started server. */
import type { ServerScenarioResult } from '../report/results.types.js';
import type { Scenario } from '../scenarios/scenario.types.js';
import { runIdleScenario } from './run-idle.js';
import { runJoinScenario } from './run-joins.js';
import { runTrafficScenario } from './run-traffic.js';
import { runWebinarJoinScenario } from './run-webinar-join.js';
import type { RunContext } from './runner.types.js';

export type { RunContext } from './runner.types.js';

export function runScenario(ctx: RunContext, s: Scenario): Promise<ServerScenarioResult> {
  switch (s.kind) {
    case 'traffic':
      return runTrafficScenario(ctx, s);
    case 'join':
      return runJoinScenario(ctx, s);
    case 'idle':
      return runIdleScenario(ctx, s);
    case 'webinar-join':
      return runWebinarJoinScenario(ctx, s);
  }
}
