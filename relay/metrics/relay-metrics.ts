/**
 * Prometheus metrics. They observe meetings (as a MeetingObserver) and read plain counters at scrape time,
 * so the per-frame path never touches prom-client. Labels are lanes, outcomes and reasons: never ids or content.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { LANES, type EndReason, type Lane, type LaneStats, type MeetingObserver, type MeetingView } from '../meeting/meeting.types.js';
import type { RelayStats } from '../meeting/relay-stats.js';

export interface MetricsSources {
  readonly stats: RelayStats;
  readonly liveMeetings: () => Iterable<MeetingView>;
  /** Extra collectors (e.g. the CDR store's) registered on the same registry. */
  readonly extra?: (registry: Registry) => void;
}

const LANE_FIELDS = ['framesIn', 'bytesIn', 'framesOut', 'bytesOut', 'dropped'] as const;

export class RelayMetrics implements MeetingObserver {
  readonly registry = new Registry();
  /** Lane totals of meetings that already ended. */
  private readonly endedTotals: Record<Lane, LaneStats>;
  private readonly meetingsEnded: Counter<'reason'>;
  private readonly internalErrors: Counter<'where'>;

  constructor(private readonly sources: MetricsSources) {
    const r = this.registry;
    collectDefaultMetrics({ register: r, prefix: 'ephemera_process_' });
    this.endedTotals = {} as Record<Lane, LaneStats>;
    for (const lane of LANES) this.endedTotals[lane] = { framesIn: 0, bytesIn: 0, framesOut: 0, bytesOut: 0, dropped: 0 };
    const self = this;
    new Gauge({ name: 'ephemera_connections', help: 'Open WebSocket connections.', registers: [r], collect() { this.set(sources.stats.connectionsOpen); } });
    new Gauge({
      name: 'ephemera_meetings', help: 'Meetings in progress.', registers: [r],
      collect() { let n = 0; for (const _ of sources.liveMeetings()) n++; this.set(n); },
    });
    new Gauge({
      name: 'ephemera_participants', help: 'Participants present in meetings.', registers: [r],
      collect() { let n = 0; for (const m of sources.liveMeetings()) n += m.present; this.set(n); },
    });
    const laneGauge = (field: (typeof LANE_FIELDS)[number], name: string, help: string): void => {
      new Gauge({
        name, help, labelNames: ['lane'], registers: [r],
        collect() {
          const totals = self.laneTotals();
          for (const lane of LANES) this.set({ lane }, totals[lane][field]);
        },
      });
    };
    // Gauges that only grow: prom-client counters cannot be set from a collect() snapshot.
    laneGauge('framesIn', 'ephemera_frames_in_total', 'Frames received from participants, per lane.');
    laneGauge('bytesIn', 'ephemera_bytes_in_total', 'Bytes received from participants, per lane.');
    laneGauge('framesOut', 'ephemera_frames_out_total', 'Frame deliveries to participants, per lane.');
    laneGauge('bytesOut', 'ephemera_bytes_out_total', 'Bytes delivered to participants, per lane.');
    laneGauge('dropped', 'ephemera_frames_dropped_total', 'Lossy deliveries dropped under congestion, per lane.');
    const mapGauge = (name: string, help: string, label: string, read: () => Record<string, number>): void => {
      new Gauge({ name, help, labelNames: [label], registers: [r], collect() { for (const [k, v] of Object.entries(read())) this.set({ [label]: k }, v); } });
    };
    mapGauge('ephemera_joins_total', 'Join attempts by outcome (accepted or the RELAY_ERR_* code).', 'outcome', () => sources.stats.joins);
    mapGauge('ephemera_admission_checks_total', 'Admission pre-checks by outcome (ok or the RELAY_ERR_* code); never joins.', 'outcome', () => sources.stats.admissionChecks);
    mapGauge('ephemera_disconnects_total', 'Participant disconnects by reason.', 'reason', () => sources.stats.closes);
    mapGauge('ephemera_frames_rejected_total', 'Frames that closed a connection, by error code.', 'code', () => sources.stats.framesRejected);
    this.meetingsEnded = new Counter({ name: 'ephemera_meetings_ended_total', help: 'Meetings ended, by reason.', labelNames: ['reason'], registers: [r] });
    this.internalErrors = new Counter({
      name: 'ephemera_internal_errors_total',
      help: 'Exceptions caught by the error boundary (each closed one session with 4009), by handler: upgrade, open, message, close.',
      labelNames: ['where'], registers: [r],
    });
    for (const where of ['upgrade', 'open', 'message', 'close']) this.internalErrors.inc({ where }, 0);
    const fanout = new Histogram({
      name: 'ephemera_fanout_seconds', help: 'Relay handling time of a received frame, decode to last send (sampled 1 in 64).',
      buckets: [1e-6, 2e-6, 5e-6, 1e-5, 2e-5, 5e-5, 1e-4, 2e-4, 5e-4, 1e-3, 5e-3], registers: [r],
    });
    // Drain the samples into the histogram at scrape time.
    new Gauge({
      name: 'ephemera_fanout_samples_pending', help: 'Internal: handling-time samples waiting for the next scrape.', registers: [r],
      collect() {
        const s = sources.stats.fanoutSamplesUs;
        for (const us of s) fanout.observe(us / 1e6);
        s.length = 0;
        this.set(0);
      },
    });
    sources.extra?.(r);
  }

  private laneTotals(): Record<Lane, LaneStats> {
    const out = {} as Record<Lane, LaneStats>;
    for (const lane of LANES) out[lane] = { ...this.endedTotals[lane] };
    for (const m of this.sources.liveMeetings()) {
      for (const lane of LANES) for (const f of LANE_FIELDS) out[lane][f] += m.lanes[lane][f];
    }
    return out;
  }

  /** The error boundary caught an exception in `where`. */
  internalError(where: string): void {
    this.internalErrors.inc({ where });
  }

  meetingEnded(meeting: MeetingView, reason: EndReason): void {
    for (const lane of LANES) for (const f of LANE_FIELDS) this.endedTotals[lane][f] += meeting.lanes[lane][f];
    this.meetingsEnded.inc({ reason });
  }
}
