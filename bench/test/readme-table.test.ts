/**
 * The README's benchmark table is generated, not copied by hand: it must equal what the renderer makes from
 * bench/results/latest.json, and the renderer must say what each cell means (step found or not, passed or not).
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rateLabel, README_BENCH_BEGIN, README_BENCH_END, renderReadmeBenchTable, withReadmeBenchTable } from '../report/readme-table.js';
import { writeReports } from '../report/write-results.js';
import type { BenchResults, ServerScenarioResult, StepResult } from '../report/results.types.js';

const root = new URL('../../', import.meta.url);

function step(offered: number, cpu: number, passed: boolean): StepResult {
  return {
    level: `${offered}/s`, offeredPerSec: offered, deliveredPerSec: offered, p50Ms: 1, p99Ms: passed ? 5 : 50, p999Ms: 9, maxMs: 12,
    lost: 0, expected: offered, received: offered, cpuUsPerFrame: cpu, serverCpuPct: 30, clientCpuPct: 40, maxSendLagMs: 1,
    rssMB: 80, connections: 100, connectionFailures: 0, passed,
  };
}

function server(steps: StepResult[], extra: Partial<ServerScenarioResult> = {}): ServerScenarioResult {
  return {
    deliveredPerSec: null, p50Ms: null, p99Ms: null, p999Ms: null, lost: 0, cpuUsPerFrame: null, rssMB: null, bytesPerConn: null,
    clientCpuPct: null, passed: steps.some((s) => s.passed), level: null, steps, ...extra,
  };
}

function results(): BenchResults {
  return {
    machine: { cpus: 2, model: 'test', node: 'v20', date: '2026-12-01T00:00:00.000Z', quick: true, warmupS: 1, durationS: 1, workers: 1, serverCore: 0, loadCore: 1, p99LimitMs: 10, sendOrder: 'by-meeting' },
    skipped: {},
    scenarios: {
      conference: {
        'ephemera-uws': server([step(45_000, 8.004, true), step(90_000, 5.37, true), step(135_000, 4.5, false)]),
        'ws-naive': server([step(45_000, 17.2, false)]),
      },
      webinar: { 'ephemera-uws': server([step(20_000, 14.49, false)]), 'ws-naive': server([step(20_000, 17.9, false)]) },
      'chat-storm': { 'ephemera-uws': server([step(15_200, 5.66, true)]), 'ws-naive': server([], { error: 'crashed' }) },
      video: { 'ephemera-uws': server([step(6_720, 45.8, true)]), 'ws-naive': server([step(6_720, 29.1, false)]) },
      'join-storm': { 'ephemera-uws': server([step(250, 1742.9, false)]), 'ws-naive': server([step(250, 760, false)]) },
      idle: { 'ephemera-uws': server([step(0, 515, true)], { bytesPerConn: 1014 }), 'ws-naive': server([step(0, 250, true)], { bytesPerConn: 4856 }) },
    },
  };
}

describe('README benchmark table', () => {
  it('equals what the renderer makes from bench/results/latest.json (regenerate: node bin/run-ts.js bench/report/render-latest.ts)', () => {
    const readme = readFileSync(new URL('README.md', root), 'utf8');
    const latest = JSON.parse(readFileSync(new URL('bench/results/latest.json', root), 'utf8')) as BenchResults;
    const a = readme.indexOf(README_BENCH_BEGIN);
    const b = readme.indexOf(README_BENCH_END);
    expect(a, 'README.md has the bench-table markers').toBeGreaterThan(0);
    expect(readme.slice(a + README_BENCH_BEGIN.length + 1, b - 1)).toBe(renderReadmeBenchTable(latest));
    expect(withReadmeBenchTable(readme, latest)).toBe(readme);
  });

  it('renders steps, failures, missing steps, errors and the sustained level', () => {
    expect(renderReadmeBenchTable(results()).split('\n')).toEqual([
      '| server | conference 45k/s | conference 90k/s | conference 135k/s | conference sustained | webinar 1→1000, 20k/s | chat-storm 15k/s | video 6.7k/s | join CPU/join | idle B/conn |',
      '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
      '| **ephemera-uws** | **8.00** | **5.37** | **4.50** (fails) | **90k/s** | **14.5** | **5.7** | **45.8** | **1,743** | **1,014** |',
      '| ws-naive | 17.20 (fails) | - | - | none | 17.9 | - | 29.1 (fails) | 760 | 4,856 |',
    ]);
  });

  it('labels rates as the README does', () => {
    expect([45_000, 135_000, 15_200, 6_720, 20_000].map(rateLabel)).toEqual(['45k/s', '135k/s', '15k/s', '6.7k/s', '20k/s']);
  });

  it('is rewritten by a bench run (writeReports) between the markers only', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ephemera-readme-table-'));
    try {
      writeFileSync(join(dir, 'README.md'), `# x\n\nbefore\n${README_BENCH_BEGIN}\nstale\n${README_BENCH_END}\nafter\n`);
      expect(writeReports(results(), dir)).toContain('README.md');
      expect(readFileSync(join(dir, 'README.md'), 'utf8')).toBe(`# x\n\nbefore\n${README_BENCH_BEGIN}\n${renderReadmeBenchTable(results())}\n${README_BENCH_END}\nafter\n`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a README without the markers', () => {
    expect(() => withReadmeBenchTable('# no markers\n', results())).toThrow(/markers/);
  });
});
