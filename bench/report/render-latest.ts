/**
 * Regenerates bench/RESULTS.md, bench/results/chart.svg and the README's benchmark table from
 * bench/results/latest.json (after a change to the report code, or to latest.json, without rerunning the bench):
 * `node bin/run-ts.js bench/report/render-latest.ts`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { renderChart } from './chart-svg.js';
import { renderResultsMd } from './results-md.js';
import { withReadmeBenchTable } from './readme-table.js';
import type { BenchResults } from './results.types.js';

const bench = fileURLToPath(new URL('../', import.meta.url));
const results = JSON.parse(readFileSync(`${bench}results/latest.json`, 'utf8')) as BenchResults;
writeFileSync(`${bench}results/chart.svg`, renderChart(results));
writeFileSync(`${bench}RESULTS.md`, renderResultsMd(results));
const readme = `${bench}../README.md`;
writeFileSync(readme, withReadmeBenchTable(readFileSync(readme, 'utf8'), results));
process.stdout.write('wrote bench/RESULTS.md, bench/results/chart.svg, the benchmark table of README.md\n');
