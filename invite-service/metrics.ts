/** The service's Prometheus metrics, in a registry of its own (the relay may share the process). */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

export interface InviteMetrics {
  readonly registry: Registry;
  readonly tokensIssued: Counter<'role'>;
  readonly refusals: Counter<'reason'>;
  readonly meetingsCreated: Counter;
  readonly meetings: Gauge;
  readonly requestDuration: Histogram<'route' | 'method' | 'status'>;
}

/** `meetingCount` is read at scrape time. */
export function createInviteMetrics(meetingCount: () => number): InviteMetrics {
  const registry = new Registry();
  return {
    registry,
    tokensIssued: new Counter({ name: 'invite_tokens_issued_total', help: 'Join tokens issued, by role.', labelNames: ['role'], registers: [registry] }),
    refusals: new Counter({
      name: 'invite_refusals_total',
      help: 'Requests refused, by reason (unauthorized, rate_limited, bad_request, malformed_json, body_too_large, ...).',
      labelNames: ['reason'],
      registers: [registry],
    }),
    meetingsCreated: new Counter({ name: 'invite_meetings_created_total', help: 'Meetings created.', registers: [registry] }),
    meetings: new Gauge({
      name: 'invite_meetings',
      help: 'Meetings the service holds (still accepting invites).',
      registers: [registry],
      collect() {
        this.set(meetingCount());
      },
    }),
    requestDuration: new Histogram({
      name: 'invite_request_duration_seconds',
      help: 'Request latency by route template, method and status.',
      labelNames: ['route', 'method', 'status'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
      registers: [registry],
    }),
  };
}
