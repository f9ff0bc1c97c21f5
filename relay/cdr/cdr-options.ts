/** Validates CdrOptions once into a frozen ResolvedCdrOptions with every default filled in. */
import { isAbsolute, resolve } from 'node:path';
import { CdrOptionsError } from './cdr-errors.js';
import { cdrPaths } from './cdr-paths.js';
import type { CdrLogger, CdrOptions, CdrPaths, CdrSinkOptions } from './cdr.types.js';
import { parseWebhookSecret } from './webhook-signature.js';

export interface ResolvedFileSink {
  readonly type: 'file';
  readonly name: string;
  readonly path: string;
}

export interface ResolvedWebhookSink {
  readonly type: 'webhook';
  readonly name: string;
  readonly url: string;
  /** Decoded key bytes, one per configured secret. */
  readonly keys: readonly Buffer[];
  readonly timeoutMs: number;
  readonly backoffBaseMs: number;
  readonly backoffMaxMs: number;
}

export interface ResolvedStdoutSink {
  readonly type: 'stdout';
  readonly name: string;
}

export type ResolvedSink = ResolvedFileSink | ResolvedWebhookSink | ResolvedStdoutSink;

export interface ResolvedCdrOptions {
  readonly dataDir: string;
  readonly paths: CdrPaths;
  readonly sinks: readonly ResolvedSink[];
  readonly interimIntervalMs: number;
  readonly heartbeatMs: number;
  readonly includeDisplayNames: boolean;
  readonly includeIpAddresses: boolean;
  readonly logger: CdrLogger;
  readonly minFreeBytes: number;
  readonly closeTimeoutMs: number;
  readonly journalCompactBytes: number;
  readonly outboxCompactBytes: number;
  readonly handOff: boolean;
}

/** Defaults, documented in relay/cdr/README.md. */
export const CDR_DEFAULTS = Object.freeze({
  interimIntervalMs: 15 * 60_000,
  heartbeatMs: 5_000,
  minFreeBytes: 1024 * 1024,
  closeTimeoutMs: 5_000,
  journalCompactBytes: 1024 * 1024,
  outboxCompactBytes: 1024 * 1024,
  webhookTimeoutMs: 10_000,
  webhookBackoffBaseMs: 500,
  webhookBackoffMaxMs: 60_000,
});

const NOOP_LOGGER: CdrLogger = Object.freeze({ info() {}, warn() {}, error() {} });

const TOP_KEYS = new Set([
  'dataDir', 'sinks', 'interimIntervalMs', 'heartbeatMs', 'includeDisplayNames', 'includeIpAddresses', 'logger',
  'minFreeBytes', 'closeTimeoutMs', 'journalCompactBytes', 'outboxCompactBytes', 'handOff',
]);
const SINK_KEYS: Record<CdrSinkOptions['type'], Set<string>> = {
  file: new Set(['type', 'name', 'path']),
  webhook: new Set(['type', 'name', 'url', 'secrets', 'timeoutMs', 'backoffBaseMs', 'backoffMaxMs']),
  stdout: new Set(['type', 'name']),
};
const SINK_NAME = /^[a-z0-9][a-z0-9_-]{0,63}$/;

function int(setting: string, value: unknown, dflt: number, min: number, max: number): number {
  if (value === undefined) return dflt;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new CdrOptionsError(setting, `must be an integer from ${min} to ${max}`);
  }
  return value;
}

function bool(setting: string, value: unknown): boolean {
  if (value === undefined) return false;
  if (typeof value !== 'boolean') throw new CdrOptionsError(setting, 'must be true or false');
  return value;
}

function checkKeys(setting: string, obj: object, allowed: Set<string>): void {
  for (const key of Object.keys(obj)) {
    if (!allowed.has(key)) throw new CdrOptionsError(`${setting}.${key}`, 'is not a known option');
  }
}

function resolveSink(raw: unknown, i: number, paths: CdrPaths, used: Set<string>): ResolvedSink {
  const at = `sinks[${i}]`;
  if (raw === null || typeof raw !== 'object') throw new CdrOptionsError(at, 'must be an object with a type');
  const s = raw as Record<string, unknown>;
  const type = s.type;
  if (type !== 'file' && type !== 'webhook' && type !== 'stdout') {
    throw new CdrOptionsError(`${at}.type`, "must be 'file', 'webhook' or 'stdout'");
  }
  checkKeys(at, s, SINK_KEYS[type]);
  let name: string;
  if (s.name !== undefined) {
    if (typeof s.name !== 'string' || !SINK_NAME.test(s.name)) {
      throw new CdrOptionsError(`${at}.name`, 'must be 1-64 characters of a-z, 0-9, _ and -, starting with a letter or digit');
    }
    if (used.has(s.name)) throw new CdrOptionsError(`${at}.name`, `duplicates the sink name '${s.name}'`);
    name = s.name;
  } else {
    name = type;
    for (let k = 2; used.has(name); k++) name = `${type}-${k}`;
  }
  used.add(name);
  if (type === 'stdout') return Object.freeze({ type, name });
  if (type === 'file') {
    let path = paths.defaultFile;
    if (s.path !== undefined) {
      if (typeof s.path !== 'string' || s.path === '') throw new CdrOptionsError(`${at}.path`, 'must be a non-empty path');
      path = isAbsolute(s.path) ? s.path : resolve(s.path);
    }
    if (path === paths.outbox || path === paths.journal) {
      throw new CdrOptionsError(`${at}.path`, 'must not be the outbox or the journal');
    }
    return Object.freeze({ type, name, path });
  }
  if (typeof s.url !== 'string') throw new CdrOptionsError(`${at}.url`, 'is required (an http:// or https:// URL)');
  let url: URL;
  try {
    url = new URL(s.url);
  } catch {
    throw new CdrOptionsError(`${at}.url`, 'is not a valid URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new CdrOptionsError(`${at}.url`, 'must use http or https');
  }
  if (!Array.isArray(s.secrets) || s.secrets.length === 0) {
    throw new CdrOptionsError(`${at}.secrets`, 'must list at least one whsec_ secret');
  }
  const keys = s.secrets.map((secret: unknown, k: number) => {
    try {
      return parseWebhookSecret(secret as string);
    } catch (err) {
      throw new CdrOptionsError(`${at}.secrets[${k}]`, (err as Error).message);
    }
  });
  const backoffBaseMs = int(`${at}.backoffBaseMs`, s.backoffBaseMs, CDR_DEFAULTS.webhookBackoffBaseMs, 1, 3_600_000);
  const backoffMaxMs = int(`${at}.backoffMaxMs`, s.backoffMaxMs, Math.max(CDR_DEFAULTS.webhookBackoffMaxMs, backoffBaseMs), 1, 86_400_000);
  if (backoffMaxMs < backoffBaseMs) throw new CdrOptionsError(`${at}.backoffMaxMs`, 'must be at least backoffBaseMs');
  return Object.freeze({
    type,
    name,
    url: url.toString(),
    keys: Object.freeze(keys),
    timeoutMs: int(`${at}.timeoutMs`, s.timeoutMs, CDR_DEFAULTS.webhookTimeoutMs, 1, 600_000),
    backoffBaseMs,
    backoffMaxMs,
  });
}

function resolveLogger(value: unknown): CdrLogger {
  if (value === undefined) return NOOP_LOGGER;
  const l = value as Partial<CdrLogger> | null;
  if (l === null || typeof l !== 'object' || typeof l.info !== 'function' || typeof l.warn !== 'function' || typeof l.error !== 'function') {
    throw new CdrOptionsError('logger', 'must have info, warn and error methods (a pino logger fits)');
  }
  return l as CdrLogger;
}

/** Validates and freezes the options. Throws CdrOptionsError naming the first bad setting. */
export function resolveCdrOptions(options: CdrOptions): ResolvedCdrOptions {
  if (options === null || typeof options !== 'object') throw new CdrOptionsError('options', 'must be an object');
  checkKeys('options', options, TOP_KEYS);
  if (typeof options.dataDir !== 'string' || options.dataDir === '') {
    throw new CdrOptionsError('dataDir', 'is required (the folder that holds <dataDir>/cdr)');
  }
  const dataDir = resolve(options.dataDir);
  const paths = cdrPaths(dataDir);
  const rawSinks: unknown = options.sinks ?? [{ type: 'file' }];
  if (!Array.isArray(rawSinks)) throw new CdrOptionsError('sinks', 'must be an array');
  const used = new Set<string>();
  const sinks = rawSinks.map((s: unknown, i: number) => resolveSink(s, i, paths, used));
  const filePaths = new Set<string>();
  for (const s of sinks) {
    if (s.type !== 'file') continue;
    if (filePaths.has(s.path)) throw new CdrOptionsError('sinks', `two file sinks write ${s.path}`);
    filePaths.add(s.path);
  }
  const interimIntervalMs = int('interimIntervalMs', options.interimIntervalMs, CDR_DEFAULTS.interimIntervalMs, 0, 7 * 86_400_000);
  if (interimIntervalMs !== 0 && interimIntervalMs < 10) throw new CdrOptionsError('interimIntervalMs', 'must be 0 (off) or at least 10');
  return Object.freeze({
    dataDir,
    paths,
    sinks: Object.freeze(sinks),
    interimIntervalMs,
    heartbeatMs: int('heartbeatMs', options.heartbeatMs, CDR_DEFAULTS.heartbeatMs, 10, 3_600_000),
    includeDisplayNames: bool('includeDisplayNames', options.includeDisplayNames),
    includeIpAddresses: bool('includeIpAddresses', options.includeIpAddresses),
    logger: resolveLogger(options.logger),
    minFreeBytes: int('minFreeBytes', options.minFreeBytes, CDR_DEFAULTS.minFreeBytes, 0, Number.MAX_SAFE_INTEGER),
    closeTimeoutMs: int('closeTimeoutMs', options.closeTimeoutMs, CDR_DEFAULTS.closeTimeoutMs, 0, 600_000),
    journalCompactBytes: int('journalCompactBytes', options.journalCompactBytes, CDR_DEFAULTS.journalCompactBytes, 1024, 1024 ** 4),
    outboxCompactBytes: int('outboxCompactBytes', options.outboxCompactBytes, CDR_DEFAULTS.outboxCompactBytes, 0, 1024 ** 4),
    handOff: bool('handOff', options.handOff),
  });
}
