/** Cluster mode: relays joined by NATS (see DESIGN.md). */
export { ClusterNode, defaultNodeId } from './cluster-node.js';
export { registerClusterMetrics } from './cluster-metrics.js';
