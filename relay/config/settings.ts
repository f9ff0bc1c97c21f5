/**
 * Every relay setting in one table: its flag, its environment variable, its default, how it is parsed and
 * checked, and the sentence `--help` and the README show. Parsing never guesses: a bad value is a startup error
 * that names the setting.
 */
import { hostname } from 'node:os';

export type SettingType = 'string' | 'int' | 'bool' | 'list' | 'enum';

export interface SettingSpec {
  /** Key in RelayOptions. */
  readonly key: string;
  readonly type: SettingType;
  readonly default: string | number | boolean | readonly string[] | undefined;
  readonly help: string;
  readonly choices?: readonly string[];
  readonly min?: number;
  readonly max?: number;
}

const KiB = 1024;
const MiB = 1024 * KiB;

/** The settings, in the order `--help` shows them. Flag = --kebab-case of key; env = EPHEMERA_ + UPPER_SNAKE. */
export const SETTINGS: readonly SettingSpec[] = [
  { key: 'host', type: 'string', default: '127.0.0.1', help: 'Address the WebSocket listener binds.' },
  { key: 'port', type: 'int', default: 8080, min: 0, max: 65535, help: 'WebSocket port (0 picks a free one).' },
  { key: 'transport', type: 'enum', default: 'uws', choices: ['uws', 'ws'], help: 'WebSocket library: uws (uWebSockets.js, fast) or ws (portable).' },
  { key: 'reusePort', type: 'bool', default: false, help: 'uws on Linux: share --port with other relay processes of the same user on this machine (SO_REUSEPORT; the kernel spreads new connections over them; `ephemera start --relays N` sets it). Off: the port is exclusive and a second process on it fails to start.' },
  { key: 'adminHost', type: 'string', default: '127.0.0.1', help: 'Address of the admin HTTP listener (/metrics, /healthz, /readyz).' },
  { key: 'adminPort', type: 'int', default: 9464, min: 0, max: 65535, help: 'Admin port (0 picks a free one).' },
  { key: 'dataDir', type: 'string', default: '.ephemera', help: 'Folder for the development keys, the CDR outbox, journal and CDR file (metadata only).' },
  { key: 'node', type: 'string', default: hostname(), help: 'This relay\'s node name, written into every CDR.' },
  { key: 'issuer', type: 'string', default: 'ephemera-invite', help: 'Required `iss` of join tokens.' },
  { key: 'audience', type: 'string', default: 'ephemera-relay', help: 'Required `aud` of join tokens.' },
  { key: 'jwksFile', type: 'string', default: undefined, help: 'JWKS file with the invite service\'s public keys (default: the development keys in <dataDir>/keys).' },
  { key: 'jwksUrl', type: 'string', default: undefined, help: 'JWKS URL of the invite service (cached; fetched again on an unknown kid, rate-limited).' },
  { key: 'clockToleranceSeconds', type: 'int', default: 5, min: 0, max: 300, help: 'Clock skew allowed on exp and nbf.' },
  { key: 'maxFrameBytes', type: 'int', default: 256 * KiB, min: 1 * KiB, max: 16 * MiB, help: 'Largest frame a participant may send; larger closes with 4001.' },
  { key: 'maxFramesPerSecond', type: 'int', default: 400, min: 1, max: 1_000_000, help: 'Sustained frames per second a participant may send (token bucket); above closes with 4002.' },
  { key: 'frameBurst', type: 'int', default: 800, min: 1, max: 10_000_000, help: 'Token bucket size: frames a participant may send in a burst.' },
  { key: 'idleTimeoutMs', type: 'int', default: 30_000, min: 1_000, max: 3_600_000, help: 'A participant that sends nothing (not even a PING) for this long is closed with 4004.' },
  { key: 'maxReliableBacklogBytes', type: 'int', default: 1 * MiB, min: 16 * KiB, max: 1024 * MiB, help: 'Send backlog past which a participant is a slow consumer (closed with 4003).' },
  { key: 'lossyDropBytes', type: 'int', default: 256 * KiB, min: 1 * KiB, max: 1024 * MiB, help: 'Send backlog past which lossy (media) frames to that participant are dropped.' },
  { key: 'hardBackpressureBytes', type: 'int', default: 4 * MiB, min: 64 * KiB, max: 2047 * MiB, help: 'Absolute send-buffer cap per socket enforced by the transport (closed with 4003).' },
  { key: 'slowConsumerCheckMs', type: 'int', default: 100, min: 10, max: 10_000, help: 'How often send backlogs are checked against maxReliableBacklogBytes.' },
  { key: 'emptyTimeoutMs', type: 'int', default: 60_000, min: 0, max: 86_400_000, help: 'A meeting ends this long after its last participant left.' },
  { key: 'maxDurationMs', type: 'int', default: 8 * 3_600_000, min: 1_000, max: 7 * 86_400_000, help: 'A meeting ends at this age whatever happens.' },
  { key: 'pollTallyIntervalMs', type: 'int', default: 250, min: 10, max: 60_000, help: 'Poll tallies go to the poll owner at most this often (coalesced).' },
  { key: 'maxPollsPerMeeting', type: 'int', default: 100, min: 1, max: 100_000, help: 'Polls one meeting keeps (the oldest closed poll is forgotten first).' },
  { key: 'docWindowBytes', type: 'int', default: 1 * MiB, min: 16 * KiB, max: 1024 * MiB, help: 'Document flow-control window: how far a sharer may run ahead of the slowest receiver (at most half of maxReliableBacklogBytes is used).' },
  { key: 'docStallTimeoutMs', type: 'int', default: 10_000, min: 100, max: 3_600_000, help: 'A document receiver whose acknowledgement has not moved for this long is dropped from the transfer (too_slow).' },
  { key: 'maxTransfersPerMeeting', type: 'int', default: 64, min: 1, max: 100_000, help: 'Document transfers in progress per meeting.' },
  { key: 'maxParticipants', type: 'int', default: 10_000, min: 1, max: 1_000_000, help: 'Participants present at once in one meeting.' },
  { key: 'resumeGraceMs', type: 'int', default: 15_000, min: 0, max: 600_000, help: 'After a connection drops without a deliberate reason, the relay holds the participant\'s place this long (others see it reconnecting) so that it can resume the same session; then it leaves with reason disconnect. 0 turns resume off.' },
  { key: 'resumeWindowBytes', type: 'int', default: 1 * MiB, min: 0, max: 256 * MiB, help: 'Bytes of recent reliable frames (control, chat, polls, document offers; never media or chunks) a meeting keeps in memory to deliver to a participant that resumes; wiped as it slides. 0 keeps none (a resume then gets the gap frame).' },
  { key: 'resumeSecretFile', type: 'string', default: undefined, help: 'Cluster mode: a file holding the resume secret (at least 32 bytes) that every relay of the cluster shares, so that any of them accepts a resume credential another issued. Without it, resume is off in cluster mode.' },
  { key: 'resumeWindowMs', type: 'int', default: 20_000, min: 0, max: 600_000, help: 'Age past which a frame leaves the resume window (zeroed).' },
  { key: 'largeMeetingThreshold', type: 'int', default: 200, min: 1, max: 1_000_000, help: 'Present participants above which a meeting is large: attendees then see hosts, presenters and a participant count, not every attendee (the invite\'s `pol.large` overrides it per meeting).' },
  { key: 'rosterBatchMs', type: 'int', default: 100, min: 0, max: 10_000, help: 'Roster changes are coalesced into one ROSTER_BATCH per audience at most this often (0: at the next event-loop turn).' },
  { key: 'rosterPageSize', type: 'int', default: 200, min: 10, max: 10_000, help: 'Participants one WELCOME or ROSTER_BATCH frame lists at most; longer rosters follow the WELCOME in pages.' },
  { key: 'duplicateIdentity', type: 'enum', default: 'replace', choices: ['replace', 'refuse'], help: 'A second join with the same participant id replaces the first session (4005) or is refused (409).' },
  { key: 'drainTimeoutMs', type: 'int', default: 10_000, min: 0, max: 600_000, help: 'On SIGTERM the relay stops admitting, ends every meeting (reason shutdown, CDRs written) and closes sockets; this bounds how long that may take before the process exits anyway.' },
  { key: 'allowedOrigins', type: 'list', default: [], help: 'Comma-separated Origin allowlist for browser joins and the admission check (empty allows any; a request without Origin is allowed).' },
  { key: 'tlsCertFile', type: 'string', default: undefined, help: 'PEM certificate: serve wss:// (needs tlsKeyFile).' },
  { key: 'tlsKeyFile', type: 'string', default: undefined, help: 'PEM private key for tlsCertFile.' },
  { key: 'maxConnectionsPerIp', type: 'int', default: 2_000, min: 1, max: 1_000_000, help: 'Open WebSocket connections allowed from one IP address.' },
  { key: 'handshakesPerIpPerSecond', type: 'int', default: 200, min: 1, max: 1_000_000, help: 'Upgrade attempts per second allowed from one IP address (429 above).' },
  { key: 'verificationsPerTurn', type: 'int', default: 16, min: 1, max: 10_000, help: 'Join-token signature checks (about 0.5 ms of CPU each) per event-loop turn; more wait, served round-robin by IP address, so that a storm of forged tokens starves neither good joins nor running meetings.' },
  { key: 'maxPendingVerificationsPerIp', type: 'int', default: 64, min: 1, max: 100_000, help: 'Join tokens waiting for or in verification from one IP address; more are refused with 429.' },
  { key: 'maxQueuedVerifications', type: 'int', default: 4_096, min: 1, max: 1_000_000, help: 'Join tokens waiting for verification relay-wide; more are refused with 429.' },
  { key: 'verificationMaxWaitMs', type: 'int', default: 5_000, min: 100, max: 60_000, help: 'A join whose token waited this long for verification is refused with 429 without being verified.' },
  { key: 'maxUsedTokenIds', type: 'int', default: 1_000_000, min: 1, max: 100_000_000, help: 'Single-use token ids remembered (hashed, in <dataDir>/state, across restarts) until their tokens expire; when full, further single-use joins are refused (403 RELAY_ERR_TOKEN_REPLAYED) until some expire.' },
  { key: 'maxEndedMeetings', type: 'int', default: 100_000, min: 1, max: 100_000_000, help: 'Ended meeting ids remembered for 24 h (hashed, in <dataDir>/state, across restarts) so that joins to them are refused (403 RELAY_ERR_MEETING_ENDED); when full, the id nearest the end of its 24 h is forgotten first.' },
  { key: 'cdrSinks', type: 'list', default: ['file'], help: 'CDR sinks: file, stdout, webhook (comma-separated; webhook needs cdrWebhookUrl and cdrWebhookSecrets).' },
  { key: 'cdrFile', type: 'string', default: undefined, help: 'Path of the CDR JSON-lines file (default <dataDir>/cdr/cdr.jsonl).' },
  { key: 'cdrWebhookUrl', type: 'string', default: undefined, help: 'Webhook URL for CDR delivery (Standard Webhooks).' },
  { key: 'cdrWebhookSecrets', type: 'list', default: [], help: 'Webhook signing secrets (whsec_...), comma-separated; all sign, for rotation.' },
  { key: 'cdrInterimIntervalMs', type: 'int', default: 15 * 60_000, min: 0, max: 86_400_000, help: 'Interim (partial) CDRs for long meetings at this interval (0 = off).' },
  { key: 'cdrIncludeDisplayNames', type: 'bool', default: false, help: 'Write participants\' display names into CDRs.' },
  { key: 'cdrIncludeIpAddresses', type: 'bool', default: false, help: 'Write participants\' IP addresses into CDRs.' },
  { key: 'logIpAddresses', type: 'bool', default: false, help: 'Write remote IP addresses into log lines (the refused-join audit line); off: a keyed hash that correlates lines within one process run only.' },
  { key: 'clusterNats', type: 'list', default: [], help: 'Cluster mode: NATS server URLs (nats://a:4222,nats://b:4222). Empty: this relay runs alone (the embedded default). See README "Cluster".' },
  { key: 'clusterNodeId', type: 'string', default: undefined, help: 'This relay\'s id in the cluster (letters, digits, - and _; default: the node name made subject-safe, a dash and the process id). Must be unique per relay.' },
  { key: 'clusterSubjectPrefix', type: 'string', default: 'ephemera', help: 'First token(s) of every NATS subject the relays use, so that several clusters can share one NATS.' },
  { key: 'clusterUser', type: 'string', default: undefined, help: 'NATS user name (with clusterPassword).' },
  { key: 'clusterPassword', type: 'string', default: undefined, help: 'NATS password (prefer the environment variable to the flag).' },
  { key: 'clusterToken', type: 'string', default: undefined, help: 'NATS authentication token (prefer the environment variable to the flag).' },
  { key: 'clusterCredsFile', type: 'string', default: undefined, help: 'NATS credentials file (JWT and NKey seed, as nsc writes it).' },
  { key: 'clusterNkeySeedFile', type: 'string', default: undefined, help: 'File holding an NKey user seed (SU...) for NATS NKey authentication.' },
  { key: 'clusterTlsCaFile', type: 'string', default: undefined, help: 'PEM CA bundle that NATS servers\' certificates must chain to (turns TLS on).' },
  { key: 'clusterTlsCertFile', type: 'string', default: undefined, help: 'PEM client certificate for NATS mutual TLS (needs clusterTlsKeyFile).' },
  { key: 'clusterTlsKeyFile', type: 'string', default: undefined, help: 'PEM private key of clusterTlsCertFile.' },
  { key: 'clusterRetransmitBytes', type: 'int', default: 16 * MiB, min: 64 * KiB, max: 1024 * MiB, help: 'Per meeting, the bytes of recent reliable cluster messages this relay keeps in memory to resend to a relay that missed some.' },
  { key: 'clusterGapTimeoutMs', type: 'int', default: 2_000, min: 50, max: 60_000, help: 'A gap in another relay\'s reliable messages not filled within this long closes this relay\'s sessions of the meeting with 4013 (RELAY_ERR_CLUSTER_GAP).' },
  { key: 'clusterStoreReplicas', type: 'int', default: 1, min: 1, max: 5, help: 'JetStream replicas of the cluster\'s id store (hashed single-use token ids and ended meeting ids, metadata only) when this relay creates it: 3 on a three-server NATS cluster, so that it outlives one server.' },
  { key: 'clusterStoreTimeoutMs', type: 'int', default: 2_000, min: 100, max: 60_000, help: 'A request to the cluster\'s id store not answered within this long fails: a single-use join is then refused with 503 RELAY_ERR_CLUSTER_STORE_UNAVAILABLE.' },
  { key: 'clusterUsedTokenTtlSeconds', type: 'int', default: 31 * 86_400, min: 60, max: 366 * 86_400, help: 'How long the cluster\'s id store keeps a used single-use token id (its bucket\'s max age, set when it is created); must exceed the longest token lifetime the invite service issues (at most 30 days).' },
  { key: 'clusterHeartbeatMs', type: 'int', default: 1_000, min: 20, max: 60_000, help: 'Every this long each relay announces itself on <prefix>.ctl.hb; the live relays choose each meeting\'s owner relay (see relay/cluster/DESIGN.md).' },
  { key: 'clusterDeadAfterMs', type: 'int', default: 3_000, min: 50, max: 600_000, help: 'A relay not heard from for this long is dead: its participants leave the other relays\' rosters and their sessions end with relay_failure in the meeting\'s record. More than clusterHeartbeatMs.' },
  { key: 'clusterCdrWindowMs', type: 'int', default: 2_000, min: 0, max: 600_000, help: 'The owner relay writes a meeting\'s one final CDR this long after its last part ended (or after the first part crash recovery handed it), so that parts still on their way are merged into the same record.' },
  { key: 'logLevel', type: 'enum', default: 'info', choices: ['fatal', 'error', 'warn', 'info', 'debug', 'silent'], help: 'Log level (logs are JSON on stderr and never contain content or tokens).' },
];

export function flagName(key: string): string {
  return '--' + key.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase());
}

export function envName(key: string): string {
  return 'EPHEMERA_' + key.replace(/[A-Z]/g, (c) => '_' + c).toUpperCase();
}

/** The README's configuration table, generated from SETTINGS (a test keeps the README in step). */
export function settingsTableMarkdown(): string {
  const rows = ['| flag | environment | default | meaning |', '|---|---|---|---|'];
  for (const s of SETTINGS) {
    const d = Array.isArray(s.default)
      ? s.default.length > 0 ? s.default.join(',') : '(empty)'
      : s.default === undefined ? '(none)' : s.key === 'node' ? '(host name)' : String(s.default);
    rows.push(`| \`${flagName(s.key)}\` | \`${envName(s.key)}\` | \`${d}\` | ${s.help.replace(/\|/g, '\\|')} |`);
  }
  return rows.join('\n');
}
