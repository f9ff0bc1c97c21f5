/**
 * Regenerates bench/RESULTS.md and bench/results/chart.svg from bench/results/latest.json (after a change to the
 * report code, without rerunning the bench): `node bin/run-ts.js bench/report/render-latest.ts`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { renderChart } from './chart-svg.js';
import { renderResultsMd } from './results-md.js';
import type { BenchResults } from './results.types.js';

const bench = fileURLToPath(new URL('../', import.meta.url));
const results = JSON.parse(readFileSync(`${bench}results/latest.json`, 'utf8')) as BenchResults;
writeFileSync(`${bench}results/chart.svg`, renderChart(results));
writeFileSync(`${bench}RESULTS.md`, renderResultsMd(results));
process.stdout.write('wrote bench/RESULTS.md, bench/results/chart.svg\n');
