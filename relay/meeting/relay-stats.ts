/** Plain counters the switchboard bumps on its paths; metrics read them at scrape time (no per-frame labels). */
export interface RelayStats {
  connectionsOpen: number;
  joins: Record<string, number>;
  /** Admission pre-checks (GET /v1/meetings/<id>/admission) by outcome: `ok` or the RELAY_ERR_* code. */
  admissionChecks: Record<string, number>;
  closes: Record<string, number>;
  framesRejected: Record<string, number>;
  malformedFrames: number;
  /** Server-side handling time of sampled frames, microseconds (drained by the metrics module). */
  fanoutSamplesUs: number[];
}

export function createRelayStats(): RelayStats {
  return { connectionsOpen: 0, joins: {}, admissionChecks: {}, closes: {}, framesRejected: {}, malformedFrames: 0, fanoutSamplesUs: [] };
}

export function bump(map: Record<string, number>, key: string): void {
  map[key] = (map[key] ?? 0) + 1;
}
