import { mergeResults } from '../report/merge-results.js';
import { describe, expect, it } from 'vitest';
import { renderChart } from '../report/chart-svg.js';
import { ratiosFor } from '../report/ratios.js';
import { renderResultsMd } from '../report/results-md.js';
import { evaluateTargets } from '../report/targets.js';
import { summarise } from '../runner/figures.js';
import type { BenchResults, ServerScenarioResult, StepResult } from '../report/results.types.js';

function step(level: string, offered: number, cpu: number, p99: number, passed = true): StepResult {
  return {
    level,
    offeredPerSec: offered,
    deliveredPerSec: offered,
    p50Ms: p99 / 3,
    p99Ms: p99,
    p999Ms: p99 * 1.5,
    maxMs: p99 * 2,
    lost: passed ? 0 : 10,
    expected: offered,
    received: offered - (passed ? 0 : 10),
    cpuUsPerFrame: cpu,
    serverCpuPct: 20,
    clientCpuPct: 40,
    maxSendLagMs: 1,
    rssMB: 50,
    connections: 100,
    connectionFailures: 0,
    passed,
  };
}

/** The scenario result the runner builds from these steps (figures of the highest passing step). */
function result(steps: StepResult[], bytesPerConn = 2000): ServerScenarioResult {
  return summarise(steps, bytesPerConn);
}

const RESULTS: BenchResults = {
  scenarios: {
    conference: {
      'ephemera-uws': result([step('10 mtg', 45000, 2, 1), step('20 mtg', 90000, 1.5, 2)]),
      'uws-raw': result([step('10 mtg', 45000, 1.6, 1), step('20 mtg', 90000, 1.2, 1.6), step('30 mtg', 135000, 1.1, 3)]),
      socketio: result([step('10 mtg', 45000, 24, 8), step('20 mtg', 90000, 20, 40, false)]),
      nats: { ...result([step('-', 0, 0, 0, false)]), steps: [], error: 'nats-server <not found>' },
    },
    idle: {
      'ephemera-uws': result([step('2000 idle connections', 0, 0, 0)], 1200),
      'uws-raw': result([step('2000 idle connections', 0, 0, 0)], 1500),
    },
  },
  machine: {
    cpus: 2,
    model: 'Test CPU & <friends>',
    node: 'v20',
    date: '2026-11-28T00:00:00.000Z',
    quick: true,
    warmupS: 0.3,
    durationS: 0.8,
    workers: 2,
    serverCore: 0,
    loadCore: 1,
    p99LimitMs: 10,
    sendOrder: 'by-meeting',
  },
  skipped: { 'ephemera-ws': 'not built yet' },
};

describe('ratios', () => {
  it('compares at the highest level both sustained', () => {
    const r = ratiosFor(RESULTS.scenarios.conference!, 'ephemera-uws');
    const raw = r.find((x) => x.peer === 'uws-raw')!;
    expect(raw.level).toBe('20 mtg');
    expect(raw.cpu).toBeCloseTo(1.5 / 1.2);
    expect(raw.p99).toBeCloseTo(2 / 1.6);
    const sio = r.find((x) => x.peer === 'socketio')!;
    expect(sio.level).toBe('10 mtg');
    expect(sio.cpu).toBeCloseTo(2 / 24);
    // at capacity: each at its own highest sustained step (Ephemera 20 mtg, raw 30 mtg, Socket.IO 10 mtg)
    expect(raw.cpuAtCapacity).toBeCloseTo(1.5 / 1.1);
    expect(sio.cpuAtCapacity).toBeCloseTo(1.5 / 24);
    expect(r.find((x) => x.peer === 'nats')).toBeUndefined();
  });
});

describe('targets', () => {
  it('evaluates each target from the run, and says which could not be measured', () => {
    const t = evaluateTargets(RESULTS);
    const find = (prefix: string) => t.find((r) => r.target.startsWith(prefix))!;
    // 1.5 / 1.2 = 1.25 at 20 mtg: not within 1.2x
    expect(find('conference: ephemera-uws CPU/frame within 1.2x of uws-raw')).toMatchObject({ met: false });
    expect(find('conference: ephemera-uws CPU/frame within 1.2x of uws-raw').reached).toMatch(/^1\.25x at 20 mtg/);
    // 2 / 24 at 10 mtg: 12x cheaper than Socket.IO
    expect(find('conference: ephemera-uws at least 8x cheaper per frame than socketio')).toMatchObject({ met: true });
    expect(find('conference: ephemera-uws at least 2x cheaper per frame than nats').met).toBeNull();
    expect(find('webinar: ephemera-uws CPU/frame within 1.2x of uws-raw').met).toBeNull();
    // p99: 1/1 at 10 mtg, 2/1.6 = 1.25 at 20 mtg: worst 1.25x, within
    expect(find('conference: ephemera-uws p99 within 1.25x')).toMatchObject({ met: true });
    expect(find('conference: ephemera-uws p99 within 1.25x').reached).toMatch(/^worst 1\.25x at 20 mtg/);
    // idle: 1200 vs 1500 B, at most raw uWS's
    expect(find('idle:')).toMatchObject({ met: true, reached: '0.80x (1200 vs 1500 B)' });
  });

  it('fails a target the figures miss', () => {
    const worse: BenchResults = structuredClone(RESULTS);
    worse.scenarios.idle!['ephemera-uws']!.bytesPerConn = 1501;
    expect(evaluateTargets(worse).find((r) => r.target.startsWith('idle:'))!.met).toBe(false);
  });
});

describe('RESULTS.md', () => {
  it('has a table per scenario, ratios, skipped servers and the chart', () => {
    const md = renderResultsMd(RESULTS);
    expect(md).toContain('## conference');
    expect(md).toContain('## idle');
    expect(md).toMatch(/\| uws-raw \| 20 mtg \|/);
    expect(md).toContain('1.25x'); // ephemera-uws / uws-raw CPU at 20 mtg
    expect(md).toContain('- ephemera-ws: not built yet');
    expect(md).toContain('not run: nats-server <not found>');
    expect(md).toContain('results/chart.svg');
    expect(md).toContain('Memory per connection, ephemera-uws / peer: uws-raw 0.80x');
    expect(md).toContain('## Targets');
    expect(md).toMatch(/\| conference: ephemera-uws CPU\/frame within 1\.2x of uws-raw \| 1\.25x at 20 mtg.* \| no \|/);
  });
});

describe('chart.svg', () => {
  it('is one well-formed svg with escaped text and a bar per server that ran', () => {
    const svg = renderChart(RESULTS);
    expect(svg.startsWith('<svg ')).toBe(true);
    expect(svg.trim().endsWith('</svg>')).toBe(true);
    expect(svg).toContain('Test CPU &amp; &lt;friends&gt;');
    expect(svg).not.toContain('<friends>');
    // conference: 3 servers with figures x 2 panels; idle: 2 servers x 2 panels.
    expect(svg.match(/<rect x=/g)?.length).toBe(3 * 2 + 2 * 2);
    expect(svg).toContain('not run');
  });
});

describe('--merge', () => {
  it('keeps the figures this run did not measure, marked with their run, and compares only one run\'s figures', () => {
    const previous: BenchResults = structuredClone(RESULTS);
    const current: BenchResults = structuredClone(RESULTS);
    current.machine.date = '2026-12-02T00:00:00.000Z';
    // This run measured only ephemera-uws in the conference and nothing of idle.
    current.scenarios = { conference: { 'ephemera-uws': RESULTS.scenarios.conference!['ephemera-uws']! } };
    const merged = mergeResults(previous, current);
    expect(merged.machine.date).toBe('2026-12-02T00:00:00.000Z');
    expect(merged.scenarios.conference!['ephemera-uws']!.runDate).toBeUndefined();
    expect(merged.scenarios.conference!['uws-raw']!.runDate).toBe('2026-11-28T00:00:00.000Z');
    expect(merged.scenarios.idle!['uws-raw']!.runDate).toBe('2026-11-28T00:00:00.000Z');
    const t = evaluateTargets(merged);
    const find = (prefix: string) => t.find((r) => r.target.startsWith(prefix))!;
    // ephemera-uws of this run against uws-raw of the earlier one: not compared
    expect(find('conference: ephemera-uws CPU/frame within 1.2x of uws-raw')).toMatchObject({ met: null });
    expect(find('conference: ephemera-uws p99 within 1.25x')).toMatchObject({ met: null, reached: 'not measured in the same run' });
    // both idle entries kept from the same earlier run: still compared with each other
    expect(find('idle:')).toMatchObject({ met: true });
    const md = renderResultsMd(merged);
    expect(md).toContain('Kept from earlier runs (`--merge`; not compared with this run\'s figures): uws-raw (2026-11-28T00:00:00.000Z)');
  });
});
