/**
 * Step-up for webinar-join: each step a fresh meeting that `attendees` join at the step's rate while its presenters
 * send audio and video and its host chats (bench/load/webinar-step.ts); faster each step until one fails. A step
 * passes when every attendee got in, join p99 (upgrade request to WELCOME) is under the scenario's limit and the
 * presenter's frame p99 at the observers is under its limit. CPU per join is the server's CPU over the storm
 * (presenter traffic included) over the joins. Peers without media tracks run the joins and the host's chat only.
 */
import { build, decodeFromCompressedBase64 } from 'hdr-histogram-js';
import { nowUs } from '../lib/proc-stats.js';
import type { ServerScenarioResult, StepResult } from '../report/results.types.js';
import type { WebinarJoinScenario } from '../scenarios/scenario.types.js';
import { describeStep, judged, percentileMs, round, summarise, windowFigures } from './figures.js';
import type { RunContext } from './runner.types.js';
import { sampleWindow } from './window-sampler.js';

const LEAD_MS = 300;

async function step(ctx: RunContext, s: WebinarJoinScenario, attendees: number, rate: number, index: number): Promise<StepResult> {
  // Set-up (staff, observers, tokens) happens before startAt; the worker waits for it.
  // Generous: minting a token costs ~0.05 ms here but several times that on a loaded machine, and a storm that
  // starts late would fire its overdue joins at once.
  const setupMs = LEAD_MS + Math.ceil(attendees * 0.25) + s.observers * 50;
  const startAtUs = nowUs() + setupMs * 1000;
  const stormMs = (attendees / rate) * 1000;
  const windowEndUs = startAtUs + stormMs * 1000;
  const [r, sample] = await Promise.all([
    ctx.gen.webinar({
      meetingId: `wj${index}-${Date.now().toString(36)}`,
      attendees,
      ratePerSec: rate,
      observers: s.observers,
      presenter: s.presenter,
      chatPerSec: s.chatPerSec,
      startAtUs,
      drainMs: Math.max(ctx.drainMs, 2000),
    }),
    sampleWindow(ctx.server.pid, startAtUs, windowEndUs),
  ]);
  const joinHist = build();
  joinHist.add(decodeFromCompressedBase64(r.joinHistogram));
  const presenterHist = build();
  presenterHist.add(decodeFromCompressedBase64(r.presenterHistogram));
  const partial = {
    level: `${attendees} joins at ${rate}/s`,
    offeredPerSec: rate,
    // Joins sustained: those that got in over the time the storm took (its schedule, or longer when it lagged).
    deliveredPerSec: round(r.joined / (Math.max(stormMs * 1000, r.endUs - startAtUs) / 1e6), 0),
    ...windowFigures(joinHist, sample, stormMs, r.joined),
    lost: r.attempted - r.joined,
    expected: r.attempted,
    received: r.joined,
    maxSendLagMs: round(r.maxSendLagMs, 2),
    connections: r.joined + s.observers + 3,
    connectionFailures: 0,
    rosterBytesPerJoin: r.joined > 0 ? round(r.rosterBytes / r.joined, 0) : null,
    presenterP50Ms: percentileMs(presenterHist, 50),
    presenterP99Ms: percentileMs(presenterHist, 99),
  };
  if (r.firstError) ctx.log(`  ${ctx.server.endpoint.name}: join failures, first: ${r.firstError}`);
  const why: string[] = [];
  if (partial.lost > 0) why.push(`${partial.lost} joins missing`);
  if (partial.p99Ms === null) why.push('nothing measured');
  else if (partial.p99Ms >= s.joinP99LimitMs) why.push(`join p99 ${partial.p99Ms} ms >= ${s.joinP99LimitMs} ms`);
  if (r.presenterExpected > 0 && r.presenterReceived < r.presenterExpected * 0.99) why.push(`presenter frames lost: ${r.presenterExpected - r.presenterReceived}`);
  if (partial.presenterP99Ms !== null && partial.presenterP99Ms >= s.presenterP99LimitMs) why.push(`presenter p99 ${partial.presenterP99Ms} ms >= ${s.presenterP99LimitMs} ms`);
  await new Promise((resolve) => setTimeout(resolve, 500));
  return judged(partial, why.length > 0 ? why.join(', ') : undefined);
}

function describe(server: string, st: StepResult): string {
  const f = (v: number | null | undefined): string => (v === null || v === undefined ? '-' : v.toFixed(1));
  return `${describeStep(server, st)}\n  ${' '.repeat(13)} roster ${st.rosterBytesPerJoin ?? '-'} B/join  presenter p50 ${f(st.presenterP50Ms)} p99 ${f(st.presenterP99Ms)} ms`;
}

export async function runWebinarJoinScenario(ctx: RunContext, s: WebinarJoinScenario): Promise<ServerScenarioResult> {
  const levels = ctx.quick ? s.levels.quick : s.levels.full;
  const attendees = ctx.joinCount ?? (ctx.quick ? s.attendees.quick : s.attendees.full);
  const steps: StepResult[] = [];
  let index = 0;
  for (const rate of levels) {
    let result = await step(ctx, s, attendees, rate, index++);
    for (let attempt = 0; !result.passed && attempt < ctx.retries; attempt++) {
      ctx.log(describe(ctx.server.endpoint.name, result) + '  (retrying)');
      result = await step(ctx, s, attendees, rate, index++);
    }
    ctx.log(describe(ctx.server.endpoint.name, result));
    steps.push(result);
    if (!result.passed) break;
  }
  return summarise(steps, null);
}
