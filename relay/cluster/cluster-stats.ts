/** Counters of cluster mode, read by the metrics at scrape time (no per-frame labels). Ids and counts only. */
import { LANES, type LaneName } from '../../protocol/kind-lanes.js';

export interface LaneTraffic {
  framesOut: number;
  bytesOut: number;
  framesIn: number;
  bytesIn: number;
}

export interface ClusterStats {
  /** Per lane (plus `cluster` for the relays' own control messages): messages and bytes to and from NATS. */
  readonly traffic: Record<LaneName | 'cluster', LaneTraffic>;
  gapsDetected: number;
  gapsRecovered: number;
  /** Gaps not recovered: the meeting's local sessions were closed with 4013. */
  gapsFailed: number;
  messagesResent: number;
  /** Cluster messages whose handling threw (logged). */
  errors: number;
  /** Media frames of other relays dropped because no local subscriber wanted them any more. */
  lossyDropped: number;
  /** MEDIA_BATCH messages sent: several media frames of one meeting and turn for one relay in one NATS message. */
  mediaBatches: number;
  /** Times this relay found it had been cut off longer than the dead-after time (its sessions closed, 4014). */
  stalls: number;
}

export function createClusterStats(): ClusterStats {
  const traffic = {} as Record<LaneName | 'cluster', LaneTraffic>;
  for (const l of [...LANES, 'cluster' as const]) traffic[l] = { framesOut: 0, bytesOut: 0, framesIn: 0, bytesIn: 0 };
  return { traffic, gapsDetected: 0, gapsRecovered: 0, gapsFailed: 0, messagesResent: 0, lossyDropped: 0, mediaBatches: 0, errors: 0, stalls: 0 };
}
