/**
 * The cluster's memory of single-use token ids and ended meeting ids (DESIGN.md, "Single-use tokens and ended
 * meetings across the cluster"): one NATS JetStream KV bucket per set, holding for each id a 128-bit SHA-256
 * digest (namespaced, the same digest relay/state writes to disk) as the key and the id's expiry (unix ms, ASCII
 * digits) as the value. Never a token, never a meeting's content, not even the id itself.
 *
 * - `create` is JetStream's create-only write (expected last subject sequence 0): of two relays writing the same
 *   digest at the same moment exactly one succeeds, the other gets "wrong last sequence" (10071). That is what
 *   makes a single-use token single across relays.
 * - The bucket's max age (its TTL) bounds how long a digest is kept; entries are never read past their expiry.
 * - The bucket is created at the first connection (or bound when it exists; its replicas and TTL are then the
 *   existing ones) and re-tried every second until JetStream answers.
 * - Every request has a timeout; a failure is `unavailable`, which callers turn into the safe side.
 */
import { createHash } from 'node:crypto';
import { StorageType, type KV, type NatsConnection } from 'nats';
import type { Logger } from '../log/logger.js';
import type { NatsLink } from './nats-link.js';

export interface ClusterIdSetOptions {
  /** KV bucket name (letters, digits, - and _). */
  readonly bucket: string;
  /** Separates the digests of different sets (`jti`, `meeting`). */
  readonly namespace: string;
  /** The bucket's max age: no digest is kept longer. */
  readonly ttlMs: number;
  /** JetStream replicas of the bucket when this relay creates it (1, 3 or 5 in a NATS cluster). */
  readonly replicas: number;
  /** Each JetStream request gives up after this long. */
  readonly timeoutMs: number;
}

/** What a create-only write concludes. */
export type CreateResult = 'added' | 'present' | 'unavailable';

/** JetStream's API error for "wrong last sequence": the key already holds a value. */
const ERR_WRONG_LAST_SEQUENCE = 10071;
const BIND_RETRY_MS = 1_000;

/** A bucket name from the subject prefix and the set's name (JetStream allows letters, digits, - and _). */
export function bucketName(prefix: string, set: string): string {
  return `${prefix.replace(/[^A-Za-z0-9_-]/g, '_')}_${set}`;
}

/** One expiring id set in a JetStream KV bucket. */
export class ClusterIdSet {
  private kv: KV | null = null;
  private binding: Promise<KV | null> | null = null;
  private boundTo: NatsConnection | null = null;
  private closed = false;
  private readonly retry: NodeJS.Timeout;
  /** Failed requests (timeouts, JetStream unavailable), for metrics. */
  failures = 0;
  private warned = false;
  /** False from a failed request until the next answered one. */
  private healthy = true;

  constructor(private readonly link: NatsLink, private readonly o: ClusterIdSetOptions, private readonly log: Logger) {
    // Bound eagerly, so that the first single-use join does not wait for the bucket (and metrics show readiness).
    this.retry = setInterval(() => {
      if (this.kv === null && this.link.connection !== null) void this.bind();
    }, BIND_RETRY_MS);
    this.retry.unref();
  }

  /** True once the bucket is bound on the current connection and its last request was answered (the metric). */
  get ready(): boolean {
    return this.bound && this.healthy;
  }

  private get bound(): boolean {
    return this.kv !== null && this.link.connection !== null;
  }

  /** The key written for `id`: the first 128 bits of SHA-256(namespace NUL id), in hex. */
  key(id: string): string {
    return createHash('sha256').update(this.o.namespace).update('\0').update(id).digest('hex').slice(0, 32);
  }

  private bind(): Promise<KV | null> {
    const nc = this.link.connection;
    if (nc === null || this.closed) return Promise.resolve(null);
    if (this.kv !== null && this.boundTo === nc) return Promise.resolve(this.kv);
    this.binding ??= (async () => {
      try {
        const js = nc.jetstream({ timeout: this.o.timeoutMs });
        const kv = await js.views.kv(this.o.bucket, { history: 1, ttl: this.o.ttlMs, replicas: this.o.replicas, storage: StorageType.File });
        if (this.closed) return null;
        this.kv = kv;
        this.boundTo = nc;
        this.answered();
        this.log.info({ event: 'cluster_store_ready', bucket: this.o.bucket }, 'cluster: id store ready (JetStream KV)');
        return kv;
      } catch (err) {
        this.failed(err, 'bind');
        return null;
      } finally {
        this.binding = null;
      }
    })();
    return this.binding;
  }

  private answered(): void {
    this.healthy = true;
    this.warned = false;
  }

  private failed(err: unknown, op: string): void {
    this.failures++;
    this.healthy = false;
    if (this.warned) return;
    this.warned = true;
    // The error's name and code only: nothing an id could be rebuilt from.
    const e = err as { name?: string; code?: string; api_error?: { err_code?: number } };
    this.log.warn(
      { event: 'cluster_store_unavailable', bucket: this.o.bucket, op, error: { type: e.name, code: e.code, apiCode: e.api_error?.err_code } },
      'cluster: id store (JetStream KV) unavailable: single-use joins are refused with 503 until it answers',
    );
  }

  /** Remembers `id` until `expiresAtMs` unless it is already remembered (atomic across relays). */
  async create(id: string, expiresAtMs: number): Promise<CreateResult> {
    const kv = await this.bind();
    if (kv === null) return 'unavailable';
    try {
      await kv.create(this.key(id), new TextEncoder().encode(String(Math.ceil(expiresAtMs))));
      this.answered();
      return 'added';
    } catch (err) {
      if ((err as { api_error?: { err_code?: number } }).api_error?.err_code === ERR_WRONG_LAST_SEQUENCE) {
        this.answered();
        return 'present';
      }
      this.failed(err, 'create');
      return 'unavailable';
    }
  }

  /** Remembers `id` until `expiresAtMs` (overwriting). False when the store could not be written. */
  async put(id: string, expiresAtMs: number): Promise<boolean> {
    const kv = await this.bind();
    if (kv === null) return false;
    try {
      await kv.put(this.key(id), new TextEncoder().encode(String(Math.ceil(expiresAtMs))));
      this.answered();
      return true;
    } catch (err) {
      this.failed(err, 'put');
      return false;
    }
  }

  /**
   * True while `id` is remembered and not expired. `bindNow` false: an unbound store answers `unavailable` at
   * once instead of trying to bind first (for lookups that must not hold a join up while JetStream is away).
   */
  async has(id: string, now = Date.now(), bindNow = true): Promise<boolean | 'unavailable'> {
    const kv = bindNow ? await this.bind() : this.bound ? this.kv : null;
    if (kv === null) return 'unavailable';
    try {
      const e = await kv.get(this.key(id));
      this.answered();
      if (e === null || e.operation !== 'PUT') return false;
      return Number(new TextDecoder().decode(e.value)) > now;
    } catch (err) {
      this.failed(err, 'get');
      return 'unavailable';
    }
  }

  /** Idempotent. */
  close(): void {
    this.closed = true;
    clearInterval(this.retry);
    this.kv = null;
  }
}
