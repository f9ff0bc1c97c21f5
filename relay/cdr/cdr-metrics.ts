/**
 * Prometheus collectors over CdrRecorder.stats(), read at scrape time. Labels are sink names, never ids.
 * Pass `(registry) => registerCdrMetrics(registry, recorder)` as RelayMetrics' `extra`.
 */
import { Gauge, type Registry } from 'prom-client';
import type { CdrRecorder } from './cdr.types.js';

/** Registers the ephemera_cdr_* metrics on `registry`. */
export function registerCdrMetrics(registry: Registry, recorder: Pick<CdrRecorder, 'stats'>): void {
  const registers = [registry];
  // Gauges that only grow where noted: prom-client counters cannot be set from a collect() snapshot.
  new Gauge({
    name: 'ephemera_cdr_records_written_total', help: 'CDR records made durable in the outbox since start, by kind (final, interim).',
    labelNames: ['kind'], registers,
    collect() {
      const s = recorder.stats();
      this.set({ kind: 'final' }, s.finalRecordsWritten);
      this.set({ kind: 'interim' }, s.interimRecordsWritten);
    },
  });
  new Gauge({
    name: 'ephemera_cdr_records_recovered_total', help: 'Final CDR records emitted by crash recovery at this start.', registers,
    collect() { this.set(recorder.stats().recoveredRecords); },
  });
  new Gauge({
    name: 'ephemera_cdr_records_delivered_total', help: 'CDR records acknowledged by each sink since start.', labelNames: ['sink'], registers,
    collect() { for (const s of recorder.stats().sinks) this.set({ sink: s.name }, s.delivered); },
  });
  new Gauge({
    name: 'ephemera_cdr_delivery_retries_total', help: 'Failed CDR delivery attempts that will be retried, per sink, since start.', labelNames: ['sink'], registers,
    collect() { for (const s of recorder.stats().sinks) this.set({ sink: s.name }, s.retries); },
  });
  new Gauge({
    name: 'ephemera_cdr_backlog_records', help: 'CDR records in the outbox a sink has not acknowledged yet (retry backlog).', labelNames: ['sink'], registers,
    collect() { for (const s of recorder.stats().sinks) this.set({ sink: s.name }, s.backlog); },
  });
  new Gauge({
    name: 'ephemera_cdr_oldest_undelivered_age_seconds', help: 'Age of the oldest CDR record a sink has not acknowledged (0 when none).', labelNames: ['sink'], registers,
    collect() { for (const s of recorder.stats().sinks) this.set({ sink: s.name }, s.oldestUndeliveredAgeSeconds); },
  });
  new Gauge({
    name: 'ephemera_cdr_failed_records', help: 'CDR records a sink refused for good, parked in its failed file (see `ephemera cdr failed`).', labelNames: ['sink'], registers,
    collect() { for (const s of recorder.stats().sinks) this.set({ sink: s.name }, s.failed); },
  });
  new Gauge({
    name: 'ephemera_cdr_pending_records', help: 'Final CDR records not yet durable because the outbox cannot be written.', registers,
    collect() { this.set(recorder.stats().pendingRecords); },
  });
  new Gauge({
    name: 'ephemera_cdr_ready', help: '1 when CDR records can be made durable (new meetings are admitted), else 0.', registers,
    collect() { this.set(recorder.stats().ready ? 1 : 0); },
  });
}
