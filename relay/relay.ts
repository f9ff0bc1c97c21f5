/**
 * The relay process's composition: options -> keys -> CDR store (it takes the data folder's lock) -> the
 * restart-proof state (used single-use token ids, ended meetings: relay/state) -> verifier -> switchboard ->
 * transport -> admin server. `close()` cascades in reverse; `drain()` is the SIGTERM path, bounded by
 * drainTimeoutMs.
 */
import { loadResumeSecret } from './meeting/resume-secret.js';
import { mkdirSync } from 'node:fs';
import { resolveRelayOptions, type RelayOptions } from './config/relay-options.js';
import { createLogger, type Logger } from './log/logger.js';
import { createJwksFileKeySource, createJwksUrlKeySource, createTokenVerifier, loadOrCreateDevKeys, type KeySource, type ReplayStore } from './auth/index.js';
import type { EndedMeetings } from './meeting/admission.js';
import { createCdrRecorder, registerCdrMetrics, type CdrRecorder, type CdrSinkOptions } from './cdr/index.js';
import { createTransport, uwsCloseMarginMs } from './transport/index.js';
import type { Transport } from './transport/transport.types.js';
import { Switchboard, type InternalErrorSite } from './meeting/switchboard.js';
import { ENDED_MEETING_TTL_MS } from './meeting/admission.js';
import { JoinAudit } from './meeting/join-audit.js';
import { errorFrame } from './meeting/relay-frames.js';
import { createFileEndedMeetings, createFileReplayStore } from './state/index.js';
import { createRelayStats } from './meeting/relay-stats.js';
import type { EndReason, LeaveReason, MeetingObserver, MeetingView, ParticipantView } from './meeting/meeting.types.js';
import { RelayMetrics } from './metrics/relay-metrics.js';
import { startAdminServer, type AdminServer } from './admin/admin-server.js';
import { ClusterNode, createClusterEndedMeetings, createClusterReplayStore, registerClusterMetrics } from './cluster/index.js';

export interface Relay {
  readonly options: RelayOptions;
  /** The bound WebSocket port and admin port. */
  readonly port: number;
  readonly adminPort: number;
  /** `ws://host:port` (or wss://). Join at `${url}/v1/meetings/<meetingId>`. */
  readonly url: string;
  readonly transportName: 'uws' | 'ws';
  /** Meetings in progress (metadata views). */
  meetings(): Iterable<MeetingView>;
  /**
   * Stops admitting (upgrades get 503 RELAY_ERR_NOT_READY while sockets close), ends every meeting with reason
   * `shutdown` (CDRs written), closes the sockets (1001; those still open when `drainTimeoutMs` is nearly up
   * are cut), then the listener and the stores. Idempotent.
   */
  drain(): Promise<void>;
  /** Same as drain(). */
  close(): Promise<void>;
}

/** Logs meeting lifecycle metadata (ids, counts, reasons): never content, never tokens. */
function logObserver(log: Logger): MeetingObserver {
  return {
    meetingStarted: (m) => log.info({ meetingId: m.meetingId, cdrId: m.cdrId }, 'meeting started'),
    participantJoined: (m, p: ParticipantView) => log.debug({ meetingId: m.meetingId, participantId: p.id, role: p.role }, 'participant joined'),
    participantLeft: (m, p: ParticipantView, reason: LeaveReason) => log.debug({ meetingId: m.meetingId, participantId: p.id, reason }, 'participant left'),
    meetingEnded: (m, reason: EndReason) =>
      log.info({ meetingId: m.meetingId, cdrId: m.cdrId, reason, peak: m.peakParticipants, participants: m.participants.size }, 'meeting ended'),
  };
}

function composeObservers(list: MeetingObserver[]): MeetingObserver {
  return {
    meetingStarted: (m) => { for (const o of list) o.meetingStarted?.(m); },
    participantJoined: (m, p, at) => { for (const o of list) o.participantJoined?.(m, p, at); },
    participantLeft: (m, p, r, at) => { for (const o of list) o.participantLeft?.(m, p, r, at); },
    meetingEnded: (m, r, at) => { for (const o of list) o.meetingEnded?.(m, r, at); },
  };
}

function cdrSinks(o: RelayOptions): CdrSinkOptions[] {
  return o.cdrSinks.map((name): CdrSinkOptions => {
    if (name === 'webhook') return { type: 'webhook', url: o.cdrWebhookUrl!, secrets: [...o.cdrWebhookSecrets] };
    if (name === 'stdout') return { type: 'stdout' };
    return o.cdrFile !== undefined ? { type: 'file', path: o.cdrFile } : { type: 'file' };
  });
}

function keySource(o: RelayOptions): KeySource {
  if (o.jwksUrl !== undefined) return createJwksUrlKeySource(o.jwksUrl);
  if (o.jwksFile !== undefined) return createJwksFileKeySource(o.jwksFile);
  return createJwksFileKeySource(loadOrCreateDevKeys(o.dataDir).jwksPath);
}

/**
 * Hooks only in-process tests can pass (startRelay's third argument; no setting, flag or environment variable
 * reaches them, and bin/ never passes them).
 */
export interface RelayTestHooks {
  /** Called with every client frame before it is routed; a throw exercises the error boundary. */
  readonly frameFaultHook?: (data: Uint8Array) => void;
}

/** Time drain() keeps after closing sockets, out of drainTimeoutMs, for the CDR store and the listeners. */
function drainReserveMs(drainTimeoutMs: number): number {
  return Math.min(1_000, Math.floor(drainTimeoutMs / 4));
}

/** Starts a relay. Throws RelayConfigError for bad settings and the CDR store's startup error if it cannot write. */
export async function startRelay(input: Partial<RelayOptions> = {}, logger?: Logger, testHooks: RelayTestHooks = {}): Promise<Relay> {
  const o = resolveRelayOptions(input);
  // Read before anything starts: a bad file is a startup error naming --resume-secret-file.
  const resumeSecret = o.resumeSecretFile !== undefined ? loadResumeSecret(o.resumeSecretFile) : null;
  const log = logger ?? createLogger(o.logLevel);
  mkdirSync(o.dataDir, { recursive: true, mode: 0o700 });
  const keys = keySource(o);
  const cdr: CdrRecorder = await createCdrRecorder({
    dataDir: o.dataDir,
    sinks: cdrSinks(o),
    interimIntervalMs: o.cdrInterimIntervalMs,
    includeDisplayNames: o.cdrIncludeDisplayNames,
    includeIpAddresses: o.cdrIncludeIpAddresses,
    logger: log,
    // Cluster mode: the meeting's owner relay writes its one record (relay/cluster/DESIGN.md).
    handOff: o.clusterNats.length > 0,
  });
  // After the CDR store: it holds the data folder's lock, so that only one process ever writes these files.
  const storeError = (err: Error): void => log.error({ err: { type: err.name, code: (err as NodeJS.ErrnoException).code } }, 'relay state store write failed');
  let replayStore: ReplayStore | undefined;
  let endedMeetings: EndedMeetings;
  try {
    replayStore = createFileReplayStore({ dataDir: o.dataDir, maxEntries: o.maxUsedTokenIds, onError: storeError });
    endedMeetings = createFileEndedMeetings({ dataDir: o.dataDir, maxEntries: o.maxEndedMeetings, ttlMs: ENDED_MEETING_TTL_MS, onError: storeError });
  } catch (err) {
    replayStore?.close();
    await cdr.close();
    throw err;
  }
  // Cluster mode (relay/cluster/): absent without --cluster-nats; not ready while NATS is unreachable.
  const cluster = o.clusterNats.length > 0 ? new ClusterNode(o, log, cdr) : null;
  if (cluster !== null) {
    // The local files stay in front (what this relay knows, without a round trip); the cluster's store behind.
    replayStore = createClusterReplayStore(replayStore, cluster.usedTokens);
    endedMeetings = createClusterEndedMeetings(endedMeetings, cluster.endedMeetings, ENDED_MEETING_TTL_MS, () =>
      log.warn({ event: 'cluster_store_write_failed', set: 'ended_meetings' }, 'cluster: an ended meeting id could not be written to the cluster store (other relays may admit joins to it)'));
  }
  const verifier = createTokenVerifier({
    keys, issuer: o.issuer, audience: o.audience, clockToleranceSeconds: o.clockToleranceSeconds, replayStore,
  });
  const audit = new JoinAudit({ log, logIpAddresses: o.logIpAddresses });
  let draining = false;
  const notReadyReason = (): string | null =>
    draining ? 'draining' : !cdr.ready() ? (cdr.notReadyReason() ?? 'cdr_store_failing') : (cluster?.notReadyReason() ?? null);
  const stats = createRelayStats();
  let switchboard: Switchboard;
  const metrics = new RelayMetrics({ stats, liveMeetings: () => switchboard.meetings.values(), extra: (r) => {
    registerCdrMetrics(r, cdr);
    if (cluster !== null) registerClusterMetrics(r, cluster);
  } });
  switchboard = new Switchboard({
    options: o,
    verifier,
    stats,
    log,
    observer: composeObservers(cluster !== null ? [cdr, cluster.cdr, metrics, logObserver(log)] : [cdr, metrics, logObserver(log)]),
    isReady: () => notReadyReason() === null,
    endedMeetings,
    audit,
    onInternalError: (where: InternalErrorSite) => metrics.internalError(where),
    ...(testHooks.frameFaultHook !== undefined ? { frameFaultHook: testHooks.frameFaultHook } : {}),
    ...(cluster !== null ? { createDelivery: cluster.createDelivery, seats: cluster.seats } : {}),
    ...(cluster !== null && resumeSecret !== null ? { clusterResume: { secret: resumeSecret, node: cluster.id } } : {}),
  });
  if (cluster !== null && resumeSecret === null && o.resumeGraceMs > 0) {
    log.warn({ setting: '--resume-secret-file' }, 'cluster mode without a shared resume secret: resume is off (clients that drop rejoin)');
  }
  const closeStores = (): void => {
    audit.close();
    replayStore.close();
    endedMeetings.close?.();
  };
  const idleTimeoutSeconds = Math.max(16, Math.ceil(o.idleTimeoutMs / 1000) * 2);
  let transport: Transport;
  try {
    transport = createTransport(o.transport, {
      host: o.host,
      port: o.port,
      maxPayloadBytes: o.maxFrameBytes * 2,
      maxBackpressureBytes: o.hardBackpressureBytes,
      idleTimeoutSeconds,
      // The same time on both transports for a closed peer to take its last bytes (ERROR, close frame).
      closeTimeoutMs: uwsCloseMarginMs(idleTimeoutSeconds),
      capFarewell: errorFrame('RELAY_ERR_SLOW_CONSUMER'),
      reusePort: o.reusePort,
      ...(o.tlsCertFile !== undefined ? { tls: { certFile: o.tlsCertFile, keyFile: o.tlsKeyFile! } } : {}),
    }, switchboard);
  } catch (err) {
    switchboard.shutdown();
    closeStores();
    await cluster?.close();
    await cdr.close();
    throw err;
  }
  switchboard.attach(transport);
  let port: number;
  let admin: AdminServer;
  try {
    port = await transport.listen();
    admin = await startAdminServer({ host: o.adminHost, port: o.adminPort, registry: metrics.registry, notReadyReason });
  } catch (err) {
    switchboard.shutdown();
    await transport.close();
    closeStores();
    await cluster?.close();
    await cdr.close();
    throw err;
  }
  const scheme = o.tlsCertFile !== undefined ? 'wss' : 'ws';
  log.info({ port, adminPort: admin.port, transport: transport.name }, 'relay listening');

  let closing: Promise<void> | null = null;
  const drain = (): Promise<void> => {
    closing ??= (async () => {
      const socketsBy = Date.now() + o.drainTimeoutMs - drainReserveMs(o.drainTimeoutMs);
      // Joins from now on get 503 RELAY_ERR_NOT_READY (the listener stays open until the sockets are gone).
      draining = true;
      switchboard.shutdown();
      await transport.close(Math.max(0, socketsBy - Date.now()));
      await cluster?.close();
      closeStores();
      await cdr.close();
      await admin.close();
      verifier.close();
      keys.close();
      log.info('relay closed');
      log.flush();
    })();
    return closing;
  };
  return {
    options: o,
    port,
    adminPort: admin.port,
    url: `${scheme}://${o.host.includes(':') ? `[${o.host}]` : o.host}:${port}`,
    transportName: transport.name,
    meetings: () => switchboard.meetings.values(),
    drain,
    close: drain,
  };
}
