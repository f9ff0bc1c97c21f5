/** Cluster metrics, read from the counters at scrape time: traffic per lane, gaps, the window, NATS RTT, spans. */
import { Gauge, type Registry } from 'prom-client';
import type { ClusterNode } from './cluster-node.js';

export function registerClusterMetrics(registry: Registry, node: ClusterNode): void {
  const registers = [registry];
  new Gauge({
    name: 'ephemera_cluster_frames_total', help: 'Messages this relay sent to (out) and received from (in) the cluster, by lane (cluster: the relays\' own control messages).',
    labelNames: ['lane', 'direction'], registers,
    collect() {
      for (const [lane, t] of Object.entries(node.stats.traffic)) {
        this.set({ lane, direction: 'out' }, t.framesOut);
        this.set({ lane, direction: 'in' }, t.framesIn);
      }
    },
  });
  new Gauge({
    name: 'ephemera_cluster_bytes_total', help: 'Bytes this relay sent to (out) and received from (in) the cluster, by lane.',
    labelNames: ['lane', 'direction'], registers,
    collect() {
      for (const [lane, t] of Object.entries(node.stats.traffic)) {
        this.set({ lane, direction: 'out' }, t.bytesOut);
        this.set({ lane, direction: 'in' }, t.bytesIn);
      }
    },
  });
  new Gauge({
    name: 'ephemera_cluster_gaps_total', help: 'Gaps in other relays\' reliable messages: detected, recovered (resent), failed (sessions closed with 4013).',
    labelNames: ['outcome'], registers,
    collect() {
      this.set({ outcome: 'detected' }, node.stats.gapsDetected);
      this.set({ outcome: 'recovered' }, node.stats.gapsRecovered);
      this.set({ outcome: 'failed' }, node.stats.gapsFailed);
    },
  });
  new Gauge({
    name: 'ephemera_cluster_media_batches_total', help: 'NATS messages this relay sent that carried several media frames (one meeting\'s frames of one event-loop turn for one relay; the frames are counted in ephemera_cluster_frames_total).',
    registers, collect() { this.set(node.stats.mediaBatches); },
  });
  new Gauge({ name: 'ephemera_cluster_resent_total', help: 'Reliable messages this relay resent from its retransmit window.', registers, collect() { this.set(node.stats.messagesResent); } });
  new Gauge({ name: 'ephemera_cluster_retransmit_window_bytes', help: 'Bytes held in the retransmit windows of this relay\'s meetings.', registers, collect() { this.set(node.spanning().windowBytes); } });
  new Gauge({ name: 'ephemera_cluster_nats_rtt_seconds', help: 'Round trip to the NATS server (last measurement; -1 until measured).', registers, collect() { this.set(node.link.rttMs < 0 ? -1 : node.link.rttMs / 1000); } });
  new Gauge({ name: 'ephemera_cluster_connected', help: '1 while this relay is connected to NATS.', registers, collect() { this.set(node.link.ready ? 1 : 0); } });
  new Gauge({ name: 'ephemera_cluster_reconnects_total', help: 'Reconnections to NATS since start.', registers, collect() { this.set(node.link.reconnects); } });
  new Gauge({ name: 'ephemera_cluster_subscriptions', help: 'NATS subjects this relay is subscribed to now (interest-based: only meetings and tracks it holds members of).', registers, collect() { this.set(node.link.subscriptions - node.controlSubjects); } });
  new Gauge({ name: 'ephemera_cluster_meetings', help: 'Meetings with members on this relay (subscribed), and of them those spanning relays.', labelNames: ['kind'], registers,
    collect() {
      this.set({ kind: 'subscribed' }, node.meetings.size);
      this.set({ kind: 'spanning' }, node.spanning().meetings);
    },
  });
  new Gauge({ name: 'ephemera_cluster_remote_participants', help: 'Participants on other relays in the meetings this relay holds.', registers, collect() { this.set(node.spanning().remoteParticipants); } });
  new Gauge({ name: 'ephemera_cluster_store_ready', help: 'Per set of the cluster\'s id store (JetStream KV: used_tokens, ended_meetings), 1 while it answers; while used_tokens is 0 single-use joins get 503.', labelNames: ['set'], registers,
    collect() {
      this.set({ set: 'used_tokens' }, node.usedTokens.ready ? 1 : 0);
      this.set({ set: 'ended_meetings' }, node.endedMeetings.ready ? 1 : 0);
    },
  });
  new Gauge({ name: 'ephemera_cluster_store_failures_total', help: 'Requests to the cluster\'s id store that failed (timeouts, JetStream unavailable), per set.', labelNames: ['set'], registers,
    collect() {
      this.set({ set: 'used_tokens' }, node.usedTokens.failures);
      this.set({ set: 'ended_meetings' }, node.endedMeetings.failures);
    },
  });
  new Gauge({ name: 'ephemera_cluster_live_relays', help: 'Relays this relay hears heartbeats from, itself included.', registers, collect() { this.set(node.presence.liveNodes().length); } });
  new Gauge({ name: 'ephemera_cluster_cut_offs_total', help: 'Times this relay was cut off (stopped, or without NATS) longer than the dead-after time and closed its sessions (4014).', registers, collect() { this.set(node.stats.stalls); } });
  new Gauge({ name: 'ephemera_cluster_cdr_ledgers', help: 'Meetings whose record this relay holds as owner or successor (not written yet).', registers, collect() { this.set(node.cdr.ledger.size); } });
  new Gauge({ name: 'ephemera_cluster_cdr_parts_pending', help: 'This relay\'s parts of meetings whose record the owner relay has not written yet.', registers, collect() { this.set(node.cdr.pendingParts); } });
  new Gauge({ name: 'ephemera_cluster_cdr_records_total', help: 'Final records this relay wrote as a meeting\'s owner relay.', registers, collect() { this.set(node.cdr.ledger.recordsWritten); } });
  new Gauge({ name: 'ephemera_cluster_seat_requests_total', help: 'Seats near a meeting\'s cap: asked of another relay (asked), refused by this relay as the meeting\'s owner (refused), decided on this relay\'s own count because the owner did not answer (timeout).', labelNames: ['outcome'], registers,
    collect() {
      this.set({ outcome: 'asked' }, node.seats.asked);
      this.set({ outcome: 'refused' }, node.seats.refused);
      this.set({ outcome: 'timeout' }, node.seats.timeouts);
    },
  });
  new Gauge({ name: 'ephemera_cluster_cdr_late_parts_total', help: 'Parts that reached an owner after their meeting\'s record was written (not in it; logged).', registers, collect() { this.set(node.cdr.ledger.lateParts); } });
}
