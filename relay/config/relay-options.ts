/** RelayOptions: every setting typed, validated once, frozen. Bad values throw RelayConfigError naming the setting. */
import { SETTINGS, envName, flagName, type SettingSpec } from './settings.js';

export interface RelayOptions {
  readonly host: string;
  readonly port: number;
  readonly transport: 'uws' | 'ws';
  readonly adminHost: string;
  readonly adminPort: number;
  readonly dataDir: string;
  readonly node: string;
  readonly issuer: string;
  readonly audience: string;
  readonly jwksFile: string | undefined;
  readonly jwksUrl: string | undefined;
  readonly clockToleranceSeconds: number;
  readonly maxFrameBytes: number;
  readonly maxFramesPerSecond: number;
  readonly frameBurst: number;
  readonly idleTimeoutMs: number;
  readonly maxReliableBacklogBytes: number;
  readonly lossyDropBytes: number;
  readonly hardBackpressureBytes: number;
  readonly slowConsumerCheckMs: number;
  readonly emptyTimeoutMs: number;
  readonly maxDurationMs: number;
  readonly pollTallyIntervalMs: number;
  readonly maxPollsPerMeeting: number;
  readonly docWindowBytes: number;
  readonly docStallTimeoutMs: number;
  readonly maxTransfersPerMeeting: number;
  readonly maxParticipants: number;
  readonly largeMeetingThreshold: number;
  readonly rosterBatchMs: number;
  readonly rosterPageSize: number;
  readonly duplicateIdentity: 'replace' | 'refuse';
  readonly resumeGraceMs: number;
  readonly resumeWindowBytes: number;
  readonly resumeWindowMs: number;
  readonly resumeSecretFile: string | undefined;
  readonly drainTimeoutMs: number;
  readonly allowedOrigins: readonly string[];
  readonly tlsCertFile: string | undefined;
  readonly tlsKeyFile: string | undefined;
  readonly maxConnectionsPerIp: number;
  readonly handshakesPerIpPerSecond: number;
  readonly verificationsPerTurn: number;
  readonly maxPendingVerificationsPerIp: number;
  readonly maxQueuedVerifications: number;
  readonly verificationMaxWaitMs: number;
  readonly maxUsedTokenIds: number;
  readonly maxEndedMeetings: number;
  readonly cdrSinks: readonly string[];
  readonly cdrFile: string | undefined;
  readonly cdrWebhookUrl: string | undefined;
  readonly cdrWebhookSecrets: readonly string[];
  readonly cdrInterimIntervalMs: number;
  readonly cdrIncludeDisplayNames: boolean;
  readonly cdrIncludeIpAddresses: boolean;
  readonly logIpAddresses: boolean;
  readonly clusterNats: readonly string[];
  readonly clusterNodeId: string | undefined;
  readonly clusterSubjectPrefix: string;
  readonly clusterUser: string | undefined;
  readonly clusterPassword: string | undefined;
  readonly clusterToken: string | undefined;
  readonly clusterCredsFile: string | undefined;
  readonly clusterNkeySeedFile: string | undefined;
  readonly clusterTlsCaFile: string | undefined;
  readonly clusterTlsCertFile: string | undefined;
  readonly clusterTlsKeyFile: string | undefined;
  readonly clusterRetransmitBytes: number;
  readonly clusterGapTimeoutMs: number;
  readonly clusterStoreReplicas: number;
  readonly reusePort: boolean;
  readonly clusterStoreTimeoutMs: number;
  readonly clusterUsedTokenTtlSeconds: number;
  readonly clusterHeartbeatMs: number;
  readonly clusterDeadAfterMs: number;
  readonly clusterCdrWindowMs: number;
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'silent';
}

/** A setting has a bad value. The message names the flag and the environment variable. */
export class RelayConfigError extends Error {
  readonly code = 'RELAY_ERR_CONFIG';
  constructor(readonly setting: string, problem: string) {
    super(`invalid setting ${flagName(setting)} (${envName(setting)}): ${problem}`);
    this.name = 'RelayConfigError';
  }
}

function parseValue(spec: SettingSpec, raw: string): unknown {
  switch (spec.type) {
    case 'string':
      return raw;
    case 'int': {
      if (!/^-?\d+$/.test(raw.trim())) throw new RelayConfigError(spec.key, `expected a whole number, got "${raw}"`);
      return Number(raw);
    }
    case 'bool': {
      const v = raw.trim().toLowerCase();
      if (['1', 'true', 'yes', 'on'].includes(v)) return true;
      if (['0', 'false', 'no', 'off'].includes(v)) return false;
      throw new RelayConfigError(spec.key, `expected true or false, got "${raw}"`);
    }
    case 'list':
      return raw.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
    case 'enum':
      return raw;
  }
}

function check(spec: SettingSpec, value: unknown): unknown {
  switch (spec.type) {
    case 'string':
      if (typeof value !== 'string' || value.length === 0) throw new RelayConfigError(spec.key, 'expected a non-empty string');
      return value;
    case 'int':
      if (typeof value !== 'number' || !Number.isInteger(value)) throw new RelayConfigError(spec.key, 'expected a whole number');
      if (spec.min !== undefined && value < spec.min) throw new RelayConfigError(spec.key, `must be at least ${spec.min}, got ${value}`);
      if (spec.max !== undefined && value > spec.max) throw new RelayConfigError(spec.key, `must be at most ${spec.max}, got ${value}`);
      return value;
    case 'bool':
      if (typeof value !== 'boolean') throw new RelayConfigError(spec.key, 'expected true or false');
      return value;
    case 'list':
      if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) throw new RelayConfigError(spec.key, 'expected a list of strings');
      return Object.freeze([...value]);
    case 'enum':
      if (typeof value !== 'string' || !spec.choices?.includes(value)) {
        throw new RelayConfigError(spec.key, `expected one of ${spec.choices?.join(', ')}, got "${String(value)}"`);
      }
      return value;
  }
}

/** Fills defaults, validates every setting and their combinations, and freezes the result. */
export function resolveRelayOptions(input: Partial<RelayOptions> = {}): RelayOptions {
  const known = new Set(SETTINGS.map((s) => s.key));
  for (const key of Object.keys(input)) if (!known.has(key)) throw new RelayConfigError(key, 'unknown setting');
  const out: Record<string, unknown> = {};
  for (const spec of SETTINGS) {
    const given = (input as Record<string, unknown>)[spec.key];
    const value = given === undefined ? spec.default : given;
    out[spec.key] = value === undefined ? undefined : check(spec, value);
  }
  const o = out as unknown as RelayOptions;
  if ((o.tlsCertFile === undefined) !== (o.tlsKeyFile === undefined)) {
    throw new RelayConfigError(o.tlsCertFile === undefined ? 'tlsCertFile' : 'tlsKeyFile', 'TLS needs both tlsCertFile and tlsKeyFile');
  }
  if (o.jwksFile !== undefined && o.jwksUrl !== undefined) throw new RelayConfigError('jwksUrl', 'set jwksFile or jwksUrl, not both');
  if (o.jwksUrl !== undefined && !/^https?:\/\//.test(o.jwksUrl)) throw new RelayConfigError('jwksUrl', 'expected an http(s) URL');
  if (o.lossyDropBytes >= o.maxReliableBacklogBytes) {
    throw new RelayConfigError('lossyDropBytes', 'must be below maxReliableBacklogBytes, or media congestion would disconnect participants');
  }
  if (o.maxReliableBacklogBytes >= o.hardBackpressureBytes) {
    throw new RelayConfigError('maxReliableBacklogBytes', 'must be below hardBackpressureBytes');
  }
  if (o.frameBurst < o.maxFramesPerSecond / 10) throw new RelayConfigError('frameBurst', 'must be at least a tenth of maxFramesPerSecond');
  for (const sink of o.cdrSinks) {
    if (!['file', 'stdout', 'webhook'].includes(sink)) throw new RelayConfigError('cdrSinks', `unknown sink "${sink}" (file, stdout, webhook)`);
  }
  if (o.cdrSinks.length === 0) throw new RelayConfigError('cdrSinks', 'at least one CDR sink is required');
  if (o.cdrSinks.includes('webhook')) {
    if (o.cdrWebhookUrl === undefined) throw new RelayConfigError('cdrWebhookUrl', 'the webhook sink needs a URL');
    if (o.cdrWebhookSecrets.length === 0) throw new RelayConfigError('cdrWebhookSecrets', 'the webhook sink needs at least one secret');
  }
  checkClusterOptions(o);
  return Object.freeze(o);
}

const SUBJECT_TOKENS = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;

/** Cluster settings: URLs, one authentication method, complete TLS, subject-safe names. */
function checkClusterOptions(o: RelayOptions): void {
  for (const url of o.clusterNats) {
    if (!/^(nats|tls):\/\/[^\s/]+$/.test(url)) throw new RelayConfigError('clusterNats', `expected nats://host:port URLs, got "${url}"`);
  }
  if (o.reusePort && o.transport !== 'uws') throw new RelayConfigError('reusePort', 'needs --transport uws (the ws transport on Node 20 cannot share a port between processes)');
  if (o.clusterDeadAfterMs <= o.clusterHeartbeatMs) throw new RelayConfigError('clusterDeadAfterMs', 'must be more than clusterHeartbeatMs');
  if (!SUBJECT_TOKENS.test(o.clusterSubjectPrefix)) throw new RelayConfigError('clusterSubjectPrefix', 'expected subject tokens of letters, digits, - and _ separated by dots');
  if (o.clusterNodeId !== undefined && !/^[A-Za-z0-9_-]{1,64}$/.test(o.clusterNodeId)) throw new RelayConfigError('clusterNodeId', 'expected 1 to 64 letters, digits, - or _');
  if ((o.clusterUser === undefined) !== (o.clusterPassword === undefined)) throw new RelayConfigError(o.clusterUser === undefined ? 'clusterUser' : 'clusterPassword', 'user/password authentication needs both clusterUser and clusterPassword');
  const methods = [o.clusterUser, o.clusterToken, o.clusterCredsFile, o.clusterNkeySeedFile].filter((v) => v !== undefined).length;
  if (methods > 1) throw new RelayConfigError('clusterToken', 'set one NATS authentication method: user/password, token, credentials file or NKey seed file');
  if ((o.clusterTlsCertFile === undefined) !== (o.clusterTlsKeyFile === undefined)) throw new RelayConfigError(o.clusterTlsCertFile === undefined ? 'clusterTlsCertFile' : 'clusterTlsKeyFile', 'NATS client TLS needs both clusterTlsCertFile and clusterTlsKeyFile');
}

/**
 * Reads settings from command-line flags (`--max-frame-bytes 1024` or `--max-frame-bytes=1024`) over environment
 * variables (EPHEMERA_MAX_FRAME_BYTES) over defaults. Unknown flags throw.
 */
export function parseRelaySettings(argv: readonly string[], env: NodeJS.ProcessEnv): Partial<RelayOptions> {
  const byFlag = new Map(SETTINGS.map((s) => [flagName(s.key), s]));
  const out: Record<string, unknown> = {};
  for (const spec of SETTINGS) {
    const raw = env[envName(spec.key)];
    if (raw !== undefined && raw !== '') out[spec.key] = parseValue(spec, raw);
  }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const eq = arg.indexOf('=');
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    const spec = byFlag.get(flag);
    if (!spec) throw new RelayConfigError(flag.replace(/^--/, '').replace(/-([a-z])/g, (_, c: string) => c.toUpperCase()), `unknown flag ${flag}`);
    let raw: string | undefined;
    if (eq > 0) raw = arg.slice(eq + 1);
    else if (spec.type === 'bool' && (argv[i + 1] === undefined || argv[i + 1]!.startsWith('--'))) raw = 'true';
    else raw = argv[++i];
    if (raw === undefined) throw new RelayConfigError(spec.key, 'missing value');
    out[spec.key] = parseValue(spec, raw);
  }
  return out as Partial<RelayOptions>;
}

/** The `--help` text of the relay, generated from the settings table. */
export function relayHelp(): string {
  const lines = ['usage: ephemera relay [options]', '', 'Every option also reads from its environment variable.', ''];
  for (const s of SETTINGS) {
    const def = Array.isArray(s.default) ? s.default.join(',') : s.default;
    lines.push(`  ${flagName(s.key)} <${s.choices ? s.choices.join('|') : s.type}>  (${envName(s.key)}, default: ${def === undefined || def === '' ? 'none' : String(def)})`);
    lines.push(`      ${s.help}`);
  }
  return lines.join('\n');
}
