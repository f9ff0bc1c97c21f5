/**
 * The idle scenario: open N connections (meetings of `meetingSize`, source addresses spread over 127.0.0.x),
 * let the server settle, and read its RSS: bytes per connection = (RSS - RSS before any client) / N.
 */
import { readCpuUs, readRssBytes } from '../lib/proc-stats.js';
import type { MeetingPlan } from '../load/load.types.js';
import type { ServerScenarioResult, StepResult } from '../report/results.types.js';
import type { IdleScenario } from '../scenarios/scenario.types.js';
import { describeStep, mb, round } from './figures.js';
import type { RunContext } from './runner.types.js';

/**
 * How long the server may settle after the last connection before RSS is read: idle connections stay for minutes,
 * so the figure is the steady state, after the runtime's idle-time memory reduction (V8 runs it about 8 s after
 * a burst of allocation). Every server gets the same wait. The quick run reads earlier (indicative only).
 */
const SETTLE_MS = { full: 12_000, quick: 2_000 };

export async function runIdleScenario(ctx: RunContext, s: IdleScenario): Promise<ServerScenarioResult> {
  const n = ctx.quick ? s.connections.quick : s.connections.full;
  const plans: MeetingPlan[] = [];
  for (let i = 0, left = n; left > 0; i++, left -= s.meetingSize) plans.push({ id: `idle-${i}`, size: Math.min(s.meetingSize, left), senders: 0, lane: 'reliable' });
  const cpu0 = readCpuUs(ctx.server.pid);
  const opened = await ctx.gen.open(plans);
  const cpuUs = readCpuUs(ctx.server.pid) - cpu0;
  if (opened.failed > 0) ctx.log(`  ${ctx.server.endpoint.name}: ${opened.failed} connections failed (${opened.firstError ?? '?'})`);
  const settleMs = ctx.quick ? SETTLE_MS.quick : SETTLE_MS.full;
  await new Promise((r) => setTimeout(r, Math.min(1000, settleMs)));
  const rssAfter1s = readRssBytes(ctx.server.pid);
  if (settleMs > 1000) await new Promise((r) => setTimeout(r, settleMs - 1000));
  const rss = readRssBytes(ctx.server.pid);
  const bytesPerConn = opened.opened > 0 ? Math.round((rss - ctx.baselineRssBytes) / opened.opened) : null;
  const openS = Math.max(0.001, opened.elapsedMs / 1000);
  const stepResult: StepResult = {
    level: `${n} idle connections`,
    offeredPerSec: 0,
    // For idle, the rate connections were opened at (closed-loop, bounded concurrency): an aside, not a headline.
    deliveredPerSec: round(opened.opened / openS, 0),
    p50Ms: null,
    p99Ms: null,
    p999Ms: null,
    maxMs: null,
    lost: opened.failed,
    expected: n,
    received: opened.opened,
    cpuUsPerFrame: opened.opened > 0 ? round(cpuUs / opened.opened, 1) : null,
    serverCpuPct: 0,
    clientCpuPct: 0,
    maxSendLagMs: 0,
    rssMB: mb(rss),
    connections: opened.opened,
    connectionFailures: opened.failed,
    passed: opened.failed === 0,
    ...(opened.failed === 0 ? {} : { failure: `${opened.failed} connections failed` }),
  };
  const perConn = (bytes: number): string => (opened.opened > 0 ? `${Math.round((bytes - ctx.baselineRssBytes) / opened.opened)}` : '-');
  ctx.log(describeStep(ctx.server.endpoint.name, stepResult) + `  ${perConn(rss)} B/conn after ${settleMs / 1000} s (${perConn(rssAfter1s)} after 1 s)`);
  return {
    deliveredPerSec: null,
    p50Ms: null,
    p99Ms: null,
    p999Ms: null,
    lost: opened.failed,
    cpuUsPerFrame: null,
    rssMB: mb(rss),
    bytesPerConn,
    clientCpuPct: null,
    passed: stepResult.passed,
    level: stepResult.level,
    steps: [stepResult],
  };
}
