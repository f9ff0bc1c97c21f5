/**
 * Writes a run's results: bench/results/<timestamp>.json, latest.json, chart.svg, bench/RESULTS.md and, when the
 * root has a README.md with the benchmark-table markers, that table (so the README always shows latest.json).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderChart } from './chart-svg.js';
import { renderResultsMd } from './results-md.js';
import { README_BENCH_BEGIN, withReadmeBenchTable } from './readme-table.js';
import type { BenchResults } from './results.types.js';

/** Writes everything under `<root>/bench`; returns the paths written (relative to root). */
export function writeReports(results: BenchResults, root: string): string[] {
  const dir = join(root, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const stamp = results.machine.date.replace(/[:.]/g, '-');
  const json = JSON.stringify(results, null, 2) + '\n';
  const files: [string, string][] = [
    [`bench/results/${stamp}.json`, json],
    ['bench/results/latest.json', json],
    ['bench/results/chart.svg', renderChart(results)],
    ['bench/RESULTS.md', renderResultsMd(results)],
  ];
  const readme = join(root, 'README.md');
  if (existsSync(readme)) {
    const text = readFileSync(readme, 'utf8');
    if (text.includes(README_BENCH_BEGIN)) files.push(['README.md', withReadmeBenchTable(text, results)]);
  }
  for (const [rel, text] of files) writeFileSync(join(root, rel), text);
  return files.map(([rel]) => rel);
}
