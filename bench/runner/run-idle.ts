/**
 * The idle scenario: memory per idle connection, measured the same way for every server as the marginal RSS.
 * Open N/2 connections (meetings of `meetingSize`, source addresses spread over 127.0.0.x), settle, force a full
 * GC (Node servers: SIGUSR2, see servers/gc-on-signal.cjs; nats-server's Go runtime collects by itself) and read
 * RSS; open the other N/2, settle, force a GC and read again. Bytes per connection = (RSS at N - RSS at N/2) /
 * (N/2): what one more connection costs, without the start-up footprint or memory the runtime gives back later.
 * The old figure, (RSS at N - RSS before any client) / N, is printed alongside.
 */
import { readCpuUs, readRssBytes } from '../lib/proc-stats.js';
import type { MeetingPlan } from '../load/load.types.js';
import type { ServerScenarioResult, StepResult } from '../report/results.types.js';
import type { IdleScenario } from '../scenarios/scenario.types.js';
import { describeStep, mb, round } from './figures.js';
import type { RunContext } from './runner.types.js';

/**
 * How long the server may settle after the last connection of a half before RSS is read: idle connections stay
 * for minutes, so the figure is the steady state, after the runtime's idle-time memory reduction (V8 runs it about
 * 8 s after a burst of allocation). Every server gets the same wait. The quick run reads earlier (indicative only).
 */
const SETTLE_MS = { full: 12_000, quick: 2_000 };
/** After the forced GC, before reading RSS. */
const AFTER_GC_MS = 500;

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Settles, forces a full GC where the server allows it, and reads RSS. */
async function settledRss(ctx: RunContext, settleMs: number): Promise<number> {
  await sleep(settleMs);
  if (ctx.server.endpoint.name !== 'nats') {
    try {
      process.kill(ctx.server.pid, 'SIGUSR2');
    } catch {
      // A server that is gone shows in its figures.
    }
  }
  await sleep(AFTER_GC_MS);
  return readRssBytes(ctx.server.pid);
}

function plansFor(prefix: string, n: number, size: number): MeetingPlan[] {
  const plans: MeetingPlan[] = [];
  for (let i = 0, left = n; left > 0; i++, left -= size) plans.push({ id: `${prefix}-${i}`, size: Math.min(size, left), senders: 0, lane: 'reliable' });
  return plans;
}

export async function runIdleScenario(ctx: RunContext, s: IdleScenario): Promise<ServerScenarioResult> {
  const n = ctx.quick ? s.connections.quick : s.connections.full;
  const half = Math.floor(n / 2 / s.meetingSize) * s.meetingSize;
  const settleMs = ctx.quick ? SETTLE_MS.quick : SETTLE_MS.full;
  const cpu0 = readCpuUs(ctx.server.pid);
  const first = await ctx.gen.open(plansFor('idle-a', half, s.meetingSize));
  const rssHalf = await settledRss(ctx, settleMs);
  const second = await ctx.gen.open(plansFor('idle-b', n - half, s.meetingSize));
  const cpuUs = readCpuUs(ctx.server.pid) - cpu0;
  const rss = await settledRss(ctx, settleMs);
  const openedTotal = first.opened + second.opened;
  const failed = first.failed + second.failed;
  if (failed > 0) ctx.log(`  ${ctx.server.endpoint.name}: ${failed} connections failed (${first.firstError ?? second.firstError ?? '?'})`);
  const bytesPerConn = second.opened > 0 && failed === 0 ? Math.round((rss - rssHalf) / second.opened) : null;
  const fromStart = openedTotal > 0 ? Math.round((rss - ctx.baselineRssBytes) / openedTotal) : null;
  const openS = Math.max(0.001, (first.elapsedMs + second.elapsedMs) / 1000);
  const stepResult: StepResult = {
    level: `${n} idle connections`,
    offeredPerSec: 0,
    // For idle, the rate connections were opened at (closed-loop, bounded concurrency): an aside, not a headline.
    deliveredPerSec: round(openedTotal / openS, 0),
    p50Ms: null,
    p99Ms: null,
    p999Ms: null,
    maxMs: null,
    lost: failed,
    expected: n,
    received: openedTotal,
    cpuUsPerFrame: openedTotal > 0 ? round(cpuUs / openedTotal, 1) : null,
    serverCpuPct: 0,
    clientCpuPct: 0,
    maxSendLagMs: 0,
    rssMB: mb(rss),
    connections: openedTotal,
    connectionFailures: failed,
    passed: failed === 0,
    ...(failed === 0 ? {} : { failure: `${failed} connections failed` }),
  };
  ctx.log(
    describeStep(ctx.server.endpoint.name, stepResult) +
      `  marginal ${bytesPerConn ?? '-'} B/conn (RSS ${mb(rssHalf)} MB at ${half}, ${mb(rss)} MB at ${openedTotal}, after ${settleMs / 1000} s and a GC); ` +
      `from start ${fromStart ?? '-'} B/conn (baseline ${mb(ctx.baselineRssBytes)} MB)`,
  );
  return {
    deliveredPerSec: null,
    p50Ms: null,
    p99Ms: null,
    p999Ms: null,
    lost: failed,
    cpuUsPerFrame: null,
    rssMB: mb(rss),
    bytesPerConn,
    clientCpuPct: null,
    passed: stepResult.passed,
    level: stepResult.level,
    steps: [stepResult],
    details: { method: 'marginal RSS (N - N/2) / (N/2) after settle + forced GC', rssHalfMB: mb(rssHalf), rssFullMB: mb(rss), half, baselineMB: mb(ctx.baselineRssBytes), bytesPerConnFromStart: fromStart },
  };
}
