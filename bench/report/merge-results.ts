/**
 * `--merge`: a run of some scenarios and servers keeps the earlier figures of the others (from latest.json), so
 * that RESULTS.md and the README show every server without rerunning every peer. Kept figures carry the date of
 * the run they come from (`runDate`), and ratios and targets compare only figures of one run (`sameRun`).
 */
import type { BenchResults, ServerScenarioResult } from './results.types.js';

/** The date of the run an entry's figures come from. */
export function runOf(r: ServerScenarioResult, results: BenchResults): string {
  return r.runDate ?? results.machine.date;
}

/** Whether two entries of one results object come from the same run (only then are they compared). */
export function sameRun(a: ServerScenarioResult, b: ServerScenarioResult): boolean {
  return a.runDate === b.runDate;
}

/** `current` plus every scenario/server entry of `previous` that `current` did not measure. */
export function mergeResults(previous: BenchResults, current: BenchResults): BenchResults {
  const scenarios: BenchResults['scenarios'] = {};
  for (const [scenario, perServer] of Object.entries(previous.scenarios)) {
    const kept: Record<string, ServerScenarioResult> = {};
    for (const [server, r] of Object.entries(perServer)) {
      if (current.scenarios[scenario]?.[server] === undefined) kept[server] = { ...r, runDate: runOf(r, previous) };
    }
    scenarios[scenario] = kept;
  }
  for (const [scenario, perServer] of Object.entries(current.scenarios)) scenarios[scenario] = { ...scenarios[scenario], ...perServer };
  return { ...current, scenarios };
}
