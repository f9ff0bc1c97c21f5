/** Cluster mode: relays joined by NATS (see DESIGN.md). */
export { ClusterNode, defaultNodeId } from './cluster-node.js';
export { registerClusterMetrics } from './cluster-metrics.js';
export { RelayPresence, rendezvousOrder, rendezvousWeight, type RelayPresenceEvents, type RelayPresenceOptions } from './relay-presence.js';
export { mergeParts, endReasonOf, type MeetingPart } from './merge-cdr.js';
