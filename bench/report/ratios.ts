/**
 * Ratios of Ephemera against each peer: Ephemera's figure divided by the peer's (below 1: Ephemera cheaper or
 * faster). Compared at the same offered load: the highest step both passed; failing that, the highest step both
 * ran; failing that (no common step), the headline figures.
 */
import { sameRun } from './merge-results.js';
import type { ServerScenarioResult, StepResult } from './results.types.js';

export const EPHEMERA_SERVERS = ['ephemera-uws', 'ephemera-ws', 'ephemera-cluster'] as const;

export interface Ratio {
  peer: string;
  /** The level both were compared at (null: headline figures of different levels). */
  level: string | null;
  cpu: number | null;
  p99: number | null;
  /**
   * CPU per frame with each server at its own highest sustained step (its headline figure): cost at capacity, the
   * way shared/PERFORMANCE.md quotes the peers. Per-frame cost falls as load rises, so this favours the server
   * that sustains more; `cpu` (same load) is the strict comparison.
   */
  cpuAtCapacity: number | null;
}

function ratio(a: number | null | undefined, b: number | null | undefined): number | null {
  if (a === null || a === undefined || b === null || b === undefined || b <= 0) return null;
  return a / b;
}

/** The highest level both passed, else the highest both ran (CPU per frame stays comparable), with the steps. */
export function commonStep(a: ServerScenarioResult, b: ServerScenarioResult): { level: string; a: StepResult; b: StepResult } | null {
  for (const requirePass of [true, false]) {
    let best: { level: string; a: StepResult; b: StepResult; offered: number } | null = null;
    for (const sa of a.steps) {
      if (requirePass && !sa.passed) continue;
      const sb = b.steps.find((s) => (s.passed || !requirePass) && s.level === sa.level);
      if (sb && (best === null || sa.offeredPerSec >= best.offered)) best = { level: requirePass ? sa.level : `${sa.level} (not sustained)`, a: sa, b: sb, offered: sa.offeredPerSec };
    }
    if (best) return best;
  }
  return null;
}

/** Ratios of `ephemera` against every other server of the scenario. */
export function ratiosFor(perServer: Record<string, ServerScenarioResult>, ephemera: string): Ratio[] {
  const mine = perServer[ephemera];
  if (!mine || mine.error) return [];
  const out: Ratio[] = [];
  for (const [peer, theirs] of Object.entries(perServer)) {
    // Figures kept from another run (--merge) are not compared.
    if ((EPHEMERA_SERVERS as readonly string[]).includes(peer) || theirs.error || !sameRun(mine, theirs)) continue;
    const common = commonStep(mine, theirs);
    const cpuAtCapacity = ratio(mine.cpuUsPerFrame, theirs.cpuUsPerFrame);
    if (common) out.push({ peer, level: common.level, cpu: ratio(common.a.cpuUsPerFrame, common.b.cpuUsPerFrame), p99: ratio(common.a.p99Ms, common.b.p99Ms), cpuAtCapacity });
    else out.push({ peer, level: null, cpu: cpuAtCapacity, p99: ratio(mine.p99Ms, theirs.p99Ms), cpuAtCapacity });
  }
  return out;
}
