/**
 * Step-up for a traffic scenario: meetings are added as the level rises (clients stay connected between steps),
 * each step warms up, measures one window, drains, and the step-up stops at the first step that fails
 * (after `retries` repeats: the machine is noisy).
 */
import { readRssBytes } from '../lib/proc-stats.js';
import { nowUs } from '../lib/proc-stats.js';
import type { MeetingPlan } from '../load/load.types.js';
import type { ServerScenarioResult, StepResult } from '../report/results.types.js';
import { offeredPerSec, type TrafficLevel, type TrafficScenario } from '../scenarios/scenario.types.js';
import { describeStep, failureOf, judged, round, summarise, windowFigures } from './figures.js';
import type { RunContext } from './runner.types.js';
import { sampleWindow } from './window-sampler.js';

/** Fewer connections than this say nothing reliable about memory per connection. */
const MIN_CONNECTIONS_FOR_MEMORY = 1000;

/** Time the workers get to receive a step's orders before its schedule starts. */
const LEAD_MS = 100;

function levelName(s: TrafficScenario, level: TrafficLevel): string {
  const burst = s.burst > 1 ? ` x${s.burst}` : '';
  return s.sendersPerMeeting === s.meetingSize
    ? `${level.meetings} mtg x${s.meetingSize} @${level.ratePerSender}/s${burst}`
    : `${level.meetings} mtg 1->${s.meetingSize - 1} @${level.ratePerSender}/s${burst}`;
}

async function step(ctx: RunContext, s: TrafficScenario, level: TrafficLevel, connections: number, openFailures: number): Promise<StepResult> {
  const startAtUs = nowUs() + LEAD_MS * 1000;
  const measureFromUs = startAtUs + ctx.warmupMs * 1000;
  const measureToUs = measureFromUs + ctx.measureMs * 1000;
  const [traffic, sample] = await Promise.all([
    ctx.gen.traffic({ payloadBytes: s.payloadBytes, burst: s.burst, ratePerSender: level.ratePerSender, startAtUs, measureFromUs, measureToUs, drainMs: ctx.drainMs, spread: ctx.spread }),
    sampleWindow(ctx.server.pids ?? ctx.server.pid, measureFromUs, measureToUs),
  ]);
  const windowS = ctx.measureMs / 1000;
  const partial = {
    level: levelName(s, level),
    offeredPerSec: offeredPerSec(s, level),
    deliveredPerSec: round(traffic.received / windowS, 0),
    ...windowFigures(traffic.histogram, sample, ctx.measureMs, traffic.received),
    lost: Math.max(0, traffic.expected - traffic.received),
    expected: traffic.expected,
    received: traffic.received,
    maxSendLagMs: round(traffic.maxSendLagMs, 2),
    connections,
    connectionFailures: openFailures + traffic.closedDuringRun,
  };
  return judged(partial, failureOf(partial, ctx.p99LimitMs, 1000 / level.ratePerSender));
}

export async function runTrafficScenario(ctx: RunContext, s: TrafficScenario): Promise<ServerScenarioResult> {
  const levels = ctx.quick ? s.levels.quick : s.levels.full;
  const steps: StepResult[] = [];
  let meetingsOpen = 0;
  let connections = 0;
  let openFailures = 0;
  let bytesPerConn: number | null = null;
  for (const level of levels) {
    if (level.meetings > meetingsOpen) {
      const plans: MeetingPlan[] = [];
      for (let i = meetingsOpen; i < level.meetings; i++) plans.push({ id: `${s.name}-${i}`, size: s.meetingSize, senders: s.sendersPerMeeting, lane: s.lane });
      const opened = await ctx.gen.open(plans);
      meetingsOpen = level.meetings;
      connections += opened.opened;
      openFailures += opened.failed;
      if (opened.failed > 0) {
        ctx.log(`  ${ctx.server.endpoint.name}: ${opened.failed} connections failed (${opened.firstError ?? '?'})`);
        if (process.env.BENCH_SERVER_TAIL) ctx.log(ctx.server.tail());
      }
      // Memory per connection only where enough connections dwarf the noise of the heap (GC can shrink RSS).
      if (bytesPerConn === null && opened.opened >= MIN_CONNECTIONS_FOR_MEMORY) {
        await new Promise((r) => setTimeout(r, 200));
        bytesPerConn = Math.round((readRssBytes(ctx.server.pid) - ctx.baselineRssBytes) / opened.opened);
      }
    }
    let result = await step(ctx, s, level, connections, openFailures);
    for (let attempt = 0; !result.passed && attempt < ctx.retries; attempt++) {
      ctx.log(describeStep(ctx.server.endpoint.name, result) + '  (retrying)');
      result = await step(ctx, s, level, connections, openFailures);
    }
    ctx.log(describeStep(ctx.server.endpoint.name, result));
    steps.push(result);
    if (!result.passed) break;
  }
  return summarise(steps, bytesPerConn);
}
