/** Cluster mode: relays joined by NATS (see DESIGN.md). */
export { ClusterNode, defaultNodeId } from './cluster-node.js';
export { registerClusterMetrics } from './cluster-metrics.js';
export { ClusterIdSet, bucketName, type ClusterIdSetOptions, type CreateResult } from './cluster-id-store.js';
export { createClusterEndedMeetings, createClusterReplayStore } from './cluster-state-stores.js';
export { RelayPresence, rendezvousOrder, rendezvousWeight, type RelayPresenceEvents, type RelayPresenceOptions } from './relay-presence.js';
export { mergeParts, endReasonOf, type MeetingPart } from './merge-cdr.js';
