/**
 * Step-up for the join scenario: connections opened open-loop at a fixed rate; a join counts once the server has
 * taken the client in (Ephemera: WELCOME after token verification). Latency runs from the scheduled start, so a
 * server that falls behind shows it. Each step's clients are closed before the next.
 */
import { nowUs } from '../lib/proc-stats.js';
import type { ServerScenarioResult, StepResult } from '../report/results.types.js';
import type { JoinScenario } from '../scenarios/scenario.types.js';
import { describeStep, failureOf, judged, round, summarise, windowFigures } from './figures.js';
import type { RunContext } from './runner.types.js';
import { sampleWindow } from './window-sampler.js';

const LEAD_MS = 150;

async function step(ctx: RunContext, s: JoinScenario, rate: number, index: number): Promise<StepResult> {
  const startAtUs = nowUs() + LEAD_MS * 1000;
  const measureFromUs = startAtUs + ctx.warmupMs * 1000;
  const measureToUs = measureFromUs + ctx.measureMs * 1000;
  const [joins, sample] = await Promise.all([
    ctx.gen.joins({ ratePerSec: rate, meetingSize: s.meetingSize, meetingPrefix: `js${index}`, startAtUs, measureFromUs, measureToUs, drainMs: Math.max(ctx.drainMs, 1000) }),
    sampleWindow(ctx.server.pids ?? ctx.server.pid, measureFromUs, measureToUs),
  ]);
  const windowS = ctx.measureMs / 1000;
  const partial = {
    level: `${rate} joins/s`,
    offeredPerSec: rate,
    deliveredPerSec: round(joins.joined / windowS, 0),
    ...windowFigures(joins.histogram, sample, ctx.measureMs, joins.joined),
    lost: joins.attempted - joins.joined,
    expected: joins.attempted,
    received: joins.joined,
    maxSendLagMs: round(joins.maxSendLagMs, 2),
    connections: joins.joined,
    connectionFailures: 0,
  };
  if (joins.firstError) ctx.log(`  ${ctx.server.endpoint.name}: join failures, first: ${joins.firstError}`);
  // Let the server finish closing this step's connections before the next step is measured.
  await new Promise((r) => setTimeout(r, 250));
  return judged(partial, failureOf(partial, ctx.p99LimitMs));
}

export async function runJoinScenario(ctx: RunContext, s: JoinScenario): Promise<ServerScenarioResult> {
  const levels = ctx.quick ? s.levels.quick : s.levels.full;
  const steps: StepResult[] = [];
  let index = 0;
  for (const rate of levels) {
    let result = await step(ctx, s, rate, index++);
    for (let attempt = 0; !result.passed && attempt < ctx.retries; attempt++) {
      ctx.log(describeStep(ctx.server.endpoint.name, result) + '  (retrying)');
      result = await step(ctx, s, rate, index++);
    }
    ctx.log(describeStep(ctx.server.endpoint.name, result));
    steps.push(result);
    if (!result.passed) break;
  }
  return summarise(steps, null);
}
