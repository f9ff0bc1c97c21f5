/**
 * The benchmark table of the project README, rendered from a results object (bench/results/latest.json), so that
 * the front door never shows figures copied by hand. A bench run (write-results.ts) and
 * `node bin/run-ts.js bench/report/render-latest.ts` rewrite the README between `<!-- bench-table:begin -->` and
 * `<!-- bench-table:end -->`; a test (bench/test/readme-table.test.ts) fails while the README's table differs from
 * what this renders from latest.json.
 *
 * Cells are server CPU microseconds per delivered frame (per join for join-storm) at one step, with "(fails)" where
 * that step missed its pass criterion (p99 under the limit, nothing lost) and "-" where the server never reached
 * it; the conference "sustained" column is the highest step that passed; idle is bytes per connection. Ephemera's
 * rows are bold.
 */
import { EPHEMERA_SERVERS } from './ratios.js';
import type { BenchResults, ServerScenarioResult, StepResult } from './results.types.js';

/** One column: a scenario, which of its steps (by index in the reference server's step-up), and how to show it. */
interface Column {
  readonly title: (step: StepResult | undefined) => string;
  readonly cell: (r: ServerScenarioResult | undefined, reference: StepResult | undefined) => string;
  readonly scenario: string;
  readonly stepIndex: number;
}

/** The server whose step-up defines each column's step (every server runs the same step-up). */
const REFERENCE_SERVER = 'ephemera-uws';

/** 45000 -> "45k/s", 6720 -> "6.7k/s", 15200 -> "15k/s". */
export function rateLabel(perSec: number): string {
  const k = perSec / 1000;
  return `${k >= 10 ? Math.round(k) : Number(k.toFixed(1))}k/s`;
}

function fixed(v: number, digits: number): string {
  return digits === 0 ? Math.round(v).toLocaleString('en-US') : v.toFixed(digits);
}

/** The server's step at the same offered rate as the reference step. */
function stepAt(r: ServerScenarioResult | undefined, reference: StepResult | undefined): StepResult | undefined {
  if (r === undefined || reference === undefined || r.error !== undefined) return undefined;
  return r.steps.find((s) => s.offeredPerSec === reference.offeredPerSec);
}

/** CPU per frame at the reference step; "(fails)" when that step failed and `markFails`. */
function cpuCell(digits: number, markFails: boolean): Column['cell'] {
  return (r, reference) => {
    const s = stepAt(r, reference);
    if (s === undefined || s.cpuUsPerFrame === null) return '-';
    return `${fixed(s.cpuUsPerFrame, digits)}${markFails && !s.passed ? FAILS : ''}`;
  };
}

/** Marks a cell whose step failed; kept outside the bold of Ephemera's rows. */
const FAILS = ' (fails)';

const COLUMNS: readonly Column[] = [
  ...[0, 1, 2].map((i): Column => ({ scenario: 'conference', stepIndex: i, title: (s) => `conference ${s ? rateLabel(s.offeredPerSec) : '-'}`, cell: cpuCell(2, true) })),
  {
    scenario: 'conference',
    stepIndex: 0,
    title: () => 'conference sustained',
    cell: (r) => {
      if (r === undefined || r.error !== undefined) return '-';
      const passed = r.steps.filter((s) => s.passed);
      return passed.length === 0 ? 'none' : rateLabel(Math.max(...passed.map((s) => s.offeredPerSec)));
    },
  },
  // Webinar passes p99 for no server on one load core (README): its cell is the same-load CPU, without the mark.
  { scenario: 'webinar', stepIndex: 0, title: (s) => `webinar 1→1000, ${s ? rateLabel(s.offeredPerSec) : '-'}`, cell: cpuCell(1, false) },
  { scenario: 'chat-storm', stepIndex: 0, title: (s) => `chat-storm ${s ? rateLabel(s.offeredPerSec) : '-'}`, cell: cpuCell(1, true) },
  { scenario: 'video', stepIndex: 0, title: (s) => `video ${s ? rateLabel(s.offeredPerSec) : '-'}`, cell: cpuCell(1, true) },
  // A join's cost is the point of join-storm, not its latency: no mark.
  { scenario: 'join-storm', stepIndex: 0, title: () => 'join CPU/join', cell: cpuCell(0, false) },
  {
    scenario: 'idle',
    stepIndex: 0,
    title: () => 'idle B/conn',
    cell: (r) => (r === undefined || r.error !== undefined || r.bytesPerConn === null ? '-' : fixed(r.bytesPerConn, 0)),
  },
];

/** Bolds a cell, leaving a trailing "(fails)" outside the bold; "-" and empty cells stay plain. */
function bold(cell: string): string {
  if (cell === '-' || cell === '') return cell;
  const fails = cell.endsWith(FAILS);
  return `**${fails ? cell.slice(0, -FAILS.length) : cell}**${fails ? FAILS : ''}`;
}

/** The servers in the order of the results (the order the bench ran them), across every scenario. */
function servers(results: BenchResults): string[] {
  const seen: string[] = [];
  for (const perServer of Object.values(results.scenarios)) for (const s of Object.keys(perServer)) if (!seen.includes(s) && s !== 'invite-service') seen.push(s);
  return seen;
}

/** The README's benchmark table (markdown, no trailing newline). */
export function renderReadmeBenchTable(results: BenchResults): string {
  const references = COLUMNS.map((c) => results.scenarios[c.scenario]?.[REFERENCE_SERVER]?.steps[c.stepIndex]);
  const lines = [
    `| server | ${COLUMNS.map((c, i) => c.title(references[i])).join(' | ')} |`,
    `|---|${COLUMNS.map(() => '---:').join('|')}|`,
  ];
  for (const server of servers(results)) {
    const ours = (EPHEMERA_SERVERS as readonly string[]).includes(server);
    const cells = COLUMNS.map((c, i) => c.cell(results.scenarios[c.scenario]?.[server], references[i]));
    lines.push(`| ${ours ? `**${server}**` : server} | ${(ours ? cells.map(bold) : cells).join(' | ')} |`);
  }
  return lines.join('\n');
}

/** The markers around the table in README.md. */
export const README_BENCH_BEGIN = '<!-- bench-table:begin -->';
export const README_BENCH_END = '<!-- bench-table:end -->';

/** Replaces the README's table between the markers; throws when the markers are missing. */
export function withReadmeBenchTable(readme: string, results: BenchResults): string {
  const begin = README_BENCH_BEGIN;
  const end = README_BENCH_END;
  const a = readme.indexOf(begin);
  const b = readme.indexOf(end);
  if (a < 0 || b < a) throw new Error(`README.md: markers ${begin} ... ${end} not found`);
  return `${readme.slice(0, a + begin.length)}\n${renderReadmeBenchTable(results)}\n${readme.slice(b)}`;
}
