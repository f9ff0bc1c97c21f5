/**
 * Drives one sink: reads the outbox after the sink's cursor, delivers in order, moves the cursor on success
 * (or after parking a refused record), retries failures with full-jitter backoff or the receiver's
 * Retry-After. One runner per sink, so a slow webhook never holds up the file.
 */
import { fullJitterDelay } from './backoff.js';
import type { CdrLogger, CdrSinkStats } from './cdr.types.js';
import { errorCode } from './cdr-errors.js';
import { readCursor, writeCursor } from './cursor-store.js';
import type { FailedStore } from './failed-store.js';
import type { Outbox, OutboxItem } from './outbox.js';
import type { AttemptResult, CdrSink } from './sinks/sink.types.js';

export interface SinkRunnerDeps {
  readonly outbox: Outbox;
  readonly cursorPath: string;
  readonly failed: FailedStore;
  readonly logger: CdrLogger;
  /** Called after the cursor moved (the recorder may compact the outbox). */
  readonly onAck: () => void;
  readonly random?: () => number;
}

export class SinkRunner {
  readonly sink: CdrSink;
  readonly #deps: SinkRunnerDeps;
  #acked: number;
  #delivered = 0;
  #retries = 0;
  #lastError: string | null = null;
  #draining = false;
  #stopped = false;
  #abort = new AbortController();
  #wake: (() => void) | null = null;
  #sleep: { timer: NodeJS.Timeout; done: () => void } | null = null;
  #loop: Promise<void> | null = null;

  /** Reads the sink's cursor; delivery starts with start(). */
  constructor(sink: CdrSink, deps: SinkRunnerDeps) {
    this.sink = sink;
    this.#deps = deps;
    this.#acked = readCursor(deps.cursorPath, deps.logger);
  }

  /** Position of the last outbox entry this sink acknowledged. */
  get acked(): number {
    return this.#acked;
  }

  start(): void {
    this.#loop ??= this.#run().catch((err: unknown) => {
      this.#deps.logger.error({ sink: this.sink.name, code: errorCode(err) }, 'cdr sink runner stopped unexpectedly');
    });
  }

  /** New records in the outbox: deliver now (does not cut a retry wait short). */
  wake(): void {
    const w = this.#wake;
    this.#wake = null;
    w?.();
  }

  stats(now: number = Date.now()): CdrSinkStats {
    const oldest = this.#deps.outbox.after(this.#acked, 1)[0];
    return {
      name: this.sink.name,
      type: this.sink.type,
      delivered: this.#delivered,
      backlog: this.#deps.outbox.countAfter(this.#acked),
      retries: this.#retries,
      failed: this.#deps.failed.count,
      oldestUndeliveredAgeSeconds: oldest ? Math.max(0, (now - oldest.at) / 1000) : 0,
      lastError: this.#lastError,
    };
  }

  async #run(): Promise<void> {
    const { outbox, logger } = this.#deps;
    let attempt = 0;
    while (!this.#stopped) {
      const entries = outbox.after(this.#acked, this.sink.maxBatch);
      if (entries.length === 0) {
        if (this.#draining) return;
        await new Promise<void>((resolve) => (this.#wake = resolve));
        continue;
      }
      let result: AttemptResult;
      let items: OutboxItem[] = [];
      try {
        items = entries.map((e) => outbox.read(e));
        result = await this.sink.attempt(items, this.#abort.signal);
      } catch (err) {
        result = { kind: 'retry', error: errorCode(err) };
      }
      if (this.#stopped) return;
      const last = entries[entries.length - 1]!.n;
      if (result.kind === 'ok') {
        attempt = 0;
        this.#delivered += entries.length;
        this.#lastError = null;
        this.#advance(last);
        continue;
      }
      if (result.kind === 'park') {
        try {
          for (const item of items) this.#deps.failed.park(item.record, result.status, result.error);
        } catch (err) {
          result = { kind: 'retry', error: errorCode(err) };
        }
        if (result.kind === 'park') {
          logger.error({ sink: this.sink.name, ids: items.map((i) => i.id), status: result.status }, 'cdr record refused by the sink; parked as failed');
          attempt = 0;
          this.#lastError = result.error;
          this.#advance(last);
          continue;
        }
      }
      attempt++;
      this.#retries++;
      this.#lastError = result.error;
      const delay = result.retryAfterMs ?? fullJitterDelay(attempt, this.sink.backoffBaseMs, this.sink.backoffMaxMs, this.#deps.random);
      logger.warn({ sink: this.sink.name, id: entries[0]!.id, attempt, error: result.error, retryInMs: delay }, 'cdr delivery failed; will retry');
      if (this.#draining) return;
      await this.#wait(delay);
    }
  }

  #advance(n: number): void {
    this.#acked = n;
    try {
      writeCursor(this.#deps.cursorPath, this.sink.name, n);
    } catch (err) {
      // The in-memory cursor goes on; after a restart these records are delivered again (at-least-once).
      this.#deps.logger.warn({ sink: this.sink.name, code: errorCode(err) }, 'cdr cursor could not be saved');
    }
    this.#deps.onAck();
  }

  #wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.#sleep = null;
        resolve();
      };
      const timer = setTimeout(done, ms);
      timer.unref();
      this.#sleep = { timer, done };
    });
  }

  /**
   * Stops delivery: keeps delivering what is in the outbox without retry waits for at most `timeoutMs`, then
   * aborts the request in flight. Idempotent.
   */
  async close(timeoutMs: number): Promise<void> {
    if (!this.#draining) {
      this.#draining = true;
      this.#sleep?.done();
      this.wake();
    }
    const loop = this.#loop ?? Promise.resolve();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      loop.then(() => false),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(true), timeoutMs);
      }),
    ]);
    clearTimeout(timer);
    this.#stopped = true;
    if (timedOut) {
      this.#abort.abort();
      this.#sleep?.done();
      this.wake();
      await loop;
    }
    this.sink.close();
    this.#deps.failed.close();
  }
}
