/** Turning raw counts and histograms into the figures of a step, and picking a scenario's headline step. */
import type { Histogram } from 'hdr-histogram-js';
import type { ServerScenarioResult, StepResult } from '../report/results.types.js';
import type { WindowSample } from './window-sampler.js';

/** Percentile in milliseconds from a histogram of microseconds (null when empty). */
export function percentileMs(h: Histogram, p: number): number | null {
  return h.totalCount === 0 ? null : round(h.getValueAtPercentile(p) / 1000, 3);
}

export function maxMs(h: Histogram): number | null {
  return h.totalCount === 0 ? null : round(h.maxValue / 1000, 3);
}

/**
 * The figures every timed step reads from its latency histogram and its window sample (CPU, RSS), and the
 * CPU per delivered frame (or join) over `delivered`.
 */
export function windowFigures(h: Histogram, sample: WindowSample, measureMs: number, delivered: number) {
  return {
    p50Ms: percentileMs(h, 50),
    p99Ms: percentileMs(h, 99),
    p999Ms: percentileMs(h, 99.9),
    maxMs: maxMs(h),
    cpuUsPerFrame: delivered > 0 ? round(sample.serverCpuUs / delivered, 3) : null,
    serverCpuPct: round((sample.serverCpuUs / (measureMs * 1000)) * 100, 1),
    clientCpuPct: round((sample.clientCpuUs / (measureMs * 1000)) * 100, 1),
    rssMB: mb(sample.rssBytes),
  };
}

/** A step's figures with their verdict (failureOf). */
export function judged(partial: Omit<StepResult, 'passed' | 'failure'>, failure: string | undefined): StepResult {
  return { ...partial, passed: failure === undefined, ...(failure === undefined ? {} : { failure }) };
}

export function round(n: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

export function mb(bytes: number): number {
  return round(bytes / (1024 * 1024), 1);
}

/** The most a step's sends may fall behind schedule: see failureOf. */
export function allowedSendLagMs(p99LimitMs: number, sendIntervalMs?: number): number {
  return Math.max(2 * p99LimitMs, Math.min(sendIntervalMs ?? 0, 5 * p99LimitMs));
}

/**
 * Why a step fails, or undefined when it passes. `sendIntervalMs` is a sender's interval between frames (traffic
 * steps).
 */
export function failureOf(step: Omit<StepResult, 'passed' | 'failure'>, p99LimitMs: number, sendIntervalMs?: number): string | undefined {
  const why: string[] = [];
  // A generator that fell behind its schedule did not offer the load the step claims: the step cannot pass. One
  // hiccup of the (virtual) load core costs 10-30 ms here; a generator that cannot keep up falls further behind.
  // A send late by less than the sender's interval has not displaced its next frame, so the allowance is the
  // larger of twice the p99 limit and that interval (at most five times the limit).
  if (step.maxSendLagMs >= allowedSendLagMs(p99LimitMs, sendIntervalMs)) why.push(`load generator fell ${step.maxSendLagMs} ms behind (client CPU ${step.clientCpuPct}%)`);
  if (step.connectionFailures > 0) why.push(`${step.connectionFailures} connection failures`);
  if (step.lost > 0) why.push(`${step.lost} lost`);
  if (step.p99Ms === null) why.push('nothing measured');
  else if (step.p99Ms >= p99LimitMs) why.push(`p99 ${step.p99Ms} ms >= ${p99LimitMs} ms`);
  return why.length ? why.join(', ') : undefined;
}

/** A result with no figures (no step ran); `error` says why when a server could not run at all. */
export function emptyResult(error?: string): ServerScenarioResult {
  return {
    deliveredPerSec: null,
    p50Ms: null,
    p99Ms: null,
    p999Ms: null,
    lost: null,
    cpuUsPerFrame: null,
    rssMB: null,
    bytesPerConn: null,
    clientCpuPct: null,
    passed: false,
    level: null,
    steps: [],
    ...(error !== undefined ? { error } : {}),
  };
}

/** The scenario result: figures of the highest passing step, else of the first step (passed: false). */
export function summarise(steps: StepResult[], bytesPerConn: number | null): ServerScenarioResult {
  const passing = steps.filter((s) => s.passed);
  const head = passing.length ? passing[passing.length - 1]! : steps[0];
  if (!head) return { ...emptyResult(), bytesPerConn, steps };
  return {
    deliveredPerSec: head.deliveredPerSec,
    p50Ms: head.p50Ms,
    p99Ms: head.p99Ms,
    p999Ms: head.p999Ms,
    lost: head.lost,
    cpuUsPerFrame: head.cpuUsPerFrame,
    rssMB: head.rssMB,
    bytesPerConn,
    clientCpuPct: head.clientCpuPct,
    passed: passing.length > 0,
    level: head.level,
    steps,
  };
}

/** A one-line account of a step for the console. */
export function describeStep(server: string, step: StepResult): string {
  const f = (v: number | null, d = 2): string => (v === null ? '-' : v.toFixed(d));
  return (
    `  ${server.padEnd(13)} ${step.level.padEnd(28)} offered ${String(Math.round(step.offeredPerSec)).padStart(7)}/s ` +
    `got ${String(Math.round(step.deliveredPerSec)).padStart(7)}/s  p50 ${f(step.p50Ms)} p99 ${f(step.p99Ms)} p999 ${f(step.p999Ms)} ms  ` +
    `lost ${step.lost}  cpu ${f(step.cpuUsPerFrame)} us  srv ${step.serverCpuPct.toFixed(0)}% cli ${step.clientCpuPct.toFixed(0)}% lag ${step.maxSendLagMs.toFixed(0)} ms  ` +
    `rss ${step.rssMB} MB  ${step.passed ? 'PASS' : `FAIL (${step.failure ?? ''})`}`
  );
}
