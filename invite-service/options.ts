/** Options of the invite service, their defaults, and their validation (once, at construction). */
import { resolve, join } from 'node:path';
import type { Logger } from 'pino';
import { DEFAULT_AUDIENCE, DEFAULT_ISSUER } from '../token/index.js';
import type { MeetingPolicy } from './meeting-store.js';
import type { WebClientFiles } from './web-client.js';

export interface RateLimitWindow {
  /** Requests allowed per window. */
  readonly max: number;
  readonly windowMs: number;
}

export interface InviteServiceOptions {
  /** Listen address. Default 127.0.0.1. */
  readonly host?: string;
  /** Listen port; 0 picks a free one. Default 8090. */
  readonly port?: number;
  /** Data folder. Default `$EPHEMERA_DATA_DIR` or `.ephemera` (resolved against the working directory). */
  readonly dataDir?: string;
  /** Signing-key folder. Default `<dataDir>/keys` (shared with `ephemera token`). */
  readonly keysDir?: string;
  /** Host API keys file. Default `<dataDir>/hosts.json`. */
  readonly hostsFile?: string;
  /** The relay's public WebSocket base URL; join URLs are `<relayUrl>/v1/meetings/<id>`. Default ws://127.0.0.1:8080. */
  readonly relayUrl?: string;
  /** `iss` of issued tokens. Default `ephemera-invite`. */
  readonly issuer?: string;
  /** `aud` of issued tokens. Default `ephemera-relay`. */
  readonly audience?: string;
  /** Token lifetime when a request gives none. Default 3600 s. */
  readonly defaultTokenTtlSeconds?: number;
  /** Longest token lifetime a request may ask for. Default 86400 s. Rotation keeps old keys published this long. */
  readonly maxTokenTtlSeconds?: number;
  /** How long after creation a meeting accepts new invites. Default 86400 s. */
  readonly meetingTtlSeconds?: number;
  /** Meetings held at once. Default 100000. */
  readonly maxMeetings?: number;
  /** Invites per request. Default 100. */
  readonly maxInvitesPerRequest?: number;
  /** Largest request body. Default 65536 bytes. */
  readonly bodyLimitBytes?: number;
  /** Policy of a meeting when the request gives none. */
  readonly defaultPolicy?: Partial<MeetingPolicy>;
  /** Per API key (authenticated routes). Default 1200 per minute. */
  readonly rateLimitPerApiKey?: RateLimitWindow;
  /** Per client address (every route but /healthz and /metrics). Default 1200 per minute. */
  readonly rateLimitPerIp?: RateLimitWindow;
  /** Failed authentications per client address before 429 without checking. Default 30 per minute. */
  readonly authFailuresPerIp?: RateLimitWindow;
  /** Key folder and hosts file are checked for changes this often. Default 1000 ms. */
  readonly reloadCheckIntervalMs?: number;
  /** Honour X-Forwarded-For (only behind a proxy you run). Default false. */
  readonly trustProxy?: boolean;
  /** A pino logger; default: a new one at `logLevel` on stdout. */
  readonly logger?: Logger;
  /** Default info. */
  readonly logLevel?: string;
  /**
   * The built web meeting client (`ephemera start` builds it): served at /join and /join/<file>. Default: none
   * (an operator may host the page elsewhere).
   */
  readonly webClient?: WebClientFiles;
  /**
   * Public http(s) URL of the web client's page. When set (default `<service url>/join` if `webClient` is given),
   * every join grant carries `link`: that URL with the token and the relay's join URL in the fragment, which
   * browsers never send to a server.
   */
  readonly webClientUrl?: string;
}

export interface ResolvedOptions {
  readonly host: string;
  readonly port: number;
  readonly dataDir: string;
  readonly keysDir: string;
  readonly hostsFile: string;
  readonly relayUrl: string;
  readonly issuer: string;
  readonly audience: string;
  readonly defaultTokenTtlSeconds: number;
  readonly maxTokenTtlSeconds: number;
  readonly meetingTtlSeconds: number;
  readonly maxMeetings: number;
  readonly maxInvitesPerRequest: number;
  readonly bodyLimitBytes: number;
  readonly defaultPolicy: MeetingPolicy;
  readonly rateLimitPerApiKey: RateLimitWindow;
  readonly rateLimitPerIp: RateLimitWindow;
  readonly authFailuresPerIp: RateLimitWindow;
  readonly reloadCheckIntervalMs: number;
  readonly trustProxy: boolean;
  readonly logger: Logger | undefined;
  readonly logLevel: string;
  readonly webClient: WebClientFiles | undefined;
  readonly webClientUrl: string | undefined;
}

/** Upper bounds of a meeting policy a request may ask for. */
export const POLICY_LIMITS = Object.freeze({ maxDurationSeconds: 7 * 86400, maxParticipants: 100_000 });

function fail(name: string, rule: string, value: unknown): never {
  throw new Error(`invite service: option ${name} ${rule}, got ${JSON.stringify(value)}`);
}
function int(name: string, value: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (!Number.isInteger(value) || value < min || value > max) fail(name, `must be an integer from ${min} to ${max}`, value);
  return value;
}
function str(name: string, value: string): string {
  if (typeof value !== 'string' || value.length === 0) fail(name, 'must be a non-empty string', value);
  return value;
}
function windowOf(name: string, w: RateLimitWindow): RateLimitWindow {
  if (typeof w !== 'object' || w === null) fail(name, 'must be { max, windowMs }', w);
  return Object.freeze({ max: int(`${name}.max`, w.max, 1), windowMs: int(`${name}.windowMs`, w.windowMs, 1) });
}

function webClientUrlOf(value: string): string {
  let u: URL | undefined;
  try {
    u = new URL(value);
  } catch {
    u = undefined;
  }
  if (u === undefined || (u.protocol !== 'http:' && u.protocol !== 'https:') || u.hash !== '' || u.search !== '') {
    fail('webClientUrl', 'must be an http:// or https:// URL without query or fragment', value);
  }
  return value;
}

/** Applies defaults and validates; throws an Error naming the bad option. */
export function resolveOptions(o: InviteServiceOptions = {}): ResolvedOptions {
  const dataDir = resolve(o.dataDir ?? process.env.EPHEMERA_DATA_DIR ?? '.ephemera');
  const relayUrl = str('relayUrl', o.relayUrl ?? 'ws://127.0.0.1:8080').replace(/\/+$/, '');
  let parsed: URL | undefined;
  try {
    parsed = new URL(relayUrl);
  } catch {
    parsed = undefined;
  }
  if (parsed === undefined || (parsed.protocol !== 'ws:' && parsed.protocol !== 'wss:') || parsed.search !== '' || parsed.hash !== '') {
    fail('relayUrl', 'must be a ws:// or wss:// URL without query or fragment', relayUrl);
  }
  const maxTtl = int('maxTokenTtlSeconds', o.maxTokenTtlSeconds ?? 86_400, 60, 30 * 86_400);
  const dp = o.defaultPolicy ?? {};
  const policy: MeetingPolicy = Object.freeze({
    maxDurationSeconds: int('defaultPolicy.maxDurationSeconds', dp.maxDurationSeconds ?? 4 * 3600, 60, POLICY_LIMITS.maxDurationSeconds),
    maxParticipants: int('defaultPolicy.maxParticipants', dp.maxParticipants ?? 100, 2, POLICY_LIMITS.maxParticipants),
    locked: dp.locked ?? false,
    singleUseInvites: dp.singleUseInvites ?? false,
  });
  if (typeof policy.locked !== 'boolean') fail('defaultPolicy.locked', 'must be a boolean', policy.locked);
  if (typeof policy.singleUseInvites !== 'boolean') fail('defaultPolicy.singleUseInvites', 'must be a boolean', policy.singleUseInvites);
  const resolved: ResolvedOptions = {
    host: str('host', o.host ?? '127.0.0.1'),
    port: int('port', o.port ?? 8090, 0, 65_535),
    dataDir,
    keysDir: resolve(o.keysDir ?? join(dataDir, 'keys')),
    hostsFile: resolve(o.hostsFile ?? join(dataDir, 'hosts.json')),
    relayUrl,
    issuer: str('issuer', o.issuer ?? DEFAULT_ISSUER),
    audience: str('audience', o.audience ?? DEFAULT_AUDIENCE),
    defaultTokenTtlSeconds: int('defaultTokenTtlSeconds', o.defaultTokenTtlSeconds ?? 3600, 1, maxTtl),
    maxTokenTtlSeconds: maxTtl,
    meetingTtlSeconds: int('meetingTtlSeconds', o.meetingTtlSeconds ?? 86_400, 60, 30 * 86_400),
    maxMeetings: int('maxMeetings', o.maxMeetings ?? 100_000, 1),
    maxInvitesPerRequest: int('maxInvitesPerRequest', o.maxInvitesPerRequest ?? 100, 1, 10_000),
    bodyLimitBytes: int('bodyLimitBytes', o.bodyLimitBytes ?? 65_536, 256, 16 * 1024 * 1024),
    defaultPolicy: policy,
    rateLimitPerApiKey: windowOf('rateLimitPerApiKey', o.rateLimitPerApiKey ?? { max: 1200, windowMs: 60_000 }),
    rateLimitPerIp: windowOf('rateLimitPerIp', o.rateLimitPerIp ?? { max: 1200, windowMs: 60_000 }),
    authFailuresPerIp: windowOf('authFailuresPerIp', o.authFailuresPerIp ?? { max: 30, windowMs: 60_000 }),
    reloadCheckIntervalMs: int('reloadCheckIntervalMs', o.reloadCheckIntervalMs ?? 1000, 0),
    trustProxy: o.trustProxy ?? false,
    logger: o.logger,
    logLevel: o.logLevel ?? 'info',
    webClient: o.webClient,
    webClientUrl: o.webClientUrl === undefined ? undefined : webClientUrlOf(o.webClientUrl),
  };
  if (resolved.webClient !== undefined && !(resolved.webClient instanceof Map && resolved.webClient.has('index.html'))) {
    fail('webClient', 'must be a Map of files holding index.html', typeof resolved.webClient);
  }
  if (typeof resolved.trustProxy !== 'boolean') fail('trustProxy', 'must be a boolean', resolved.trustProxy);
  return Object.freeze(resolved);
}
