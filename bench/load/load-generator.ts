/**
 * The main-thread side of the load generator: a pool of worker threads (created once per bench run), meetings
 * dealt out to them whole, and the workers' counts and histograms merged.
 */
import { Worker } from 'node:worker_threads';
import { build, decodeFromCompressedBase64, type Histogram } from 'hdr-histogram-js';
import type { ServerEndpoint } from '../servers/server.types.js';
import type { WebinarResult, WebinarRun } from './load.types.js';
import type { JoinResult, JoinRun, MeetingPlan, OpenResult, TrafficResult, TrafficRun, WorkerReply, WorkerRequest } from './load.types.js';

/** Options of {@link LoadGenerator.start}. */
export interface LoadGeneratorOptions {
  /**
   * Worker threads (default 1). All of them share the one load core: on this two-core machine a second thread only
   * adds switching (measured: ~48 % client CPU at 45k deliveries/s with 1 worker, ~68 % with 2, ~83 % with 3).
   */
  workers?: number;
  /** Source addresses 127.0.0.1..127.0.0.N spread connections over (default 16). */
  sourceAddresses?: number;
  /** Connection attempts in flight per worker while opening meetings (default 64). */
  connectConcurrency?: number;
}

type Request = WorkerRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

interface Pending {
  resolve: (reply: WorkerReply) => void;
  reject: (err: Error) => void;
}

class WorkerHandle {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private failure: Error | null = null;

  constructor(readonly worker: Worker) {
    worker.on('message', (reply: WorkerReply) => {
      const p = this.pending.get(reply.id);
      if (!p) return;
      this.pending.delete(reply.id);
      if (reply.ok) p.resolve(reply);
      else p.reject(new Error(reply.error));
    });
    const fail = (err: Error): void => {
      if (this.failure) return;
      this.failure = err;
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    };
    worker.on('error', (err) => {
      process.stderr.write(`load worker failed: ${err.stack ?? err.message}\n`);
      fail(err);
    });
    worker.on('exit', (code) => fail(new Error(`load worker exited with code ${code}`)));
  }

  call(req: Request): Promise<WorkerReply> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ ...req, id } as WorkerRequest);
    });
  }
}

/** Merged figures of a traffic step. */
export interface MergedTraffic extends Omit<TrafficResult, 'histogram'> {
  histogram: Histogram;
}

/** Merged figures of a join step. */
export interface MergedJoins extends Omit<JoinResult, 'histogram'> {
  histogram: Histogram;
}

export class LoadGenerator {
  private meetingsDealt = 0;
  private closed = false;

  private constructor(
    private readonly workers: WorkerHandle[],
    private readonly opts: Required<LoadGeneratorOptions>,
  ) {}

  /** Starts the worker threads. */
  static async start(options: LoadGeneratorOptions = {}): Promise<LoadGenerator> {
    const opts = Object.freeze({ workers: 1, sourceAddresses: 16, connectConcurrency: 64, ...options });
    if (!Number.isInteger(opts.workers) || opts.workers < 1 || opts.workers > 16) throw new Error(`workers must be 1..16, got ${opts.workers}`);
    if (!Number.isInteger(opts.sourceAddresses) || opts.sourceAddresses < 1 || opts.sourceAddresses > 254) {
      throw new Error(`sourceAddresses must be 1..254, got ${opts.sourceAddresses}`);
    }
    const entry = new URL('./worker-entry.mjs', import.meta.url);
    // BENCH_WORKER_PROF=<dir> profiles the workers (node --cpu-prof), for finding the load generator's own costs.
    const profDir = process.env.BENCH_WORKER_PROF;
    const execArgv = profDir ? ['--cpu-prof', '--cpu-prof-dir', profDir] : undefined;
    const handles = Array.from({ length: opts.workers }, () => new WorkerHandle(new Worker(entry, execArgv ? { execArgv } : {})));
    return new LoadGenerator(handles, opts);
  }

  get workerCount(): number {
    return this.workers.length;
  }

  /** Points every worker at `endpoint` (closing the clients of the previous server). */
  async init(endpoint: ServerEndpoint): Promise<void> {
    this.meetingsDealt = 0;
    await Promise.all(
      this.workers.map((w, workerIndex) =>
        w.call({ op: 'init', endpoint, workerIndex, sourceAddresses: this.opts.sourceAddresses, connectConcurrency: this.opts.connectConcurrency }),
      ),
    );
  }

  /** Opens the clients of `plans`, each meeting whole in one worker (dealt round-robin). */
  async open(plans: MeetingPlan[]): Promise<OpenResult> {
    const perWorker: MeetingPlan[][] = this.workers.map(() => []);
    for (const plan of plans) perWorker[this.meetingsDealt++ % this.workers.length]!.push(plan);
    const replies = await Promise.all(this.workers.map((w, i) => (perWorker[i]!.length ? w.call({ op: 'open', meetings: perWorker[i]! }) : null)));
    const total: OpenResult = { opened: 0, failed: 0, elapsedMs: 0 };
    for (const r of replies) {
      if (r === null || !r.ok || r.op !== 'open') continue;
      total.opened += r.result.opened;
      total.failed += r.result.failed;
      total.elapsedMs = Math.max(total.elapsedMs, r.result.elapsedMs);
      if (total.firstError === undefined && r.result.firstError !== undefined) total.firstError = r.result.firstError;
    }
    return total;
  }

  /** Runs one traffic step in every worker and merges the results. */
  async traffic(run: TrafficRun): Promise<MergedTraffic> {
    const replies = await Promise.all(this.workers.map((w) => w.call({ op: 'traffic', run })));
    const merged: MergedTraffic = { sent: 0, expected: 0, received: 0, histogram: build(), maxSendLagMs: 0, closedDuringRun: 0 };
    for (const r of replies) {
      if (!r.ok || r.op !== 'traffic') continue;
      merged.sent += r.result.sent;
      merged.expected += r.result.expected;
      merged.received += r.result.received;
      merged.closedDuringRun += r.result.closedDuringRun;
      merged.maxSendLagMs = Math.max(merged.maxSendLagMs, r.result.maxSendLagMs);
      merged.histogram.add(decodeFromCompressedBase64(r.result.histogram));
    }
    return merged;
  }

  /** Runs one join step: the offered rate is split evenly over the workers. */
  async joins(run: JoinRun): Promise<MergedJoins> {
    const n = this.workers.length;
    const replies = await Promise.all(
      // Workers interleave: worker i's joins fall between worker i-1's, so the combined stream is evenly spaced.
      this.workers.map((w, i) =>
        w.call({
          op: 'joins',
          run: { ...run, ratePerSec: run.ratePerSec / n, startAtUs: run.startAtUs + (i * 1e6) / run.ratePerSec, meetingPrefix: `${run.meetingPrefix}-w${i}` },
        }),
      ),
    );
    const merged: MergedJoins = { attempted: 0, joined: 0, failed: 0, histogram: build(), maxSendLagMs: 0 };
    for (const r of replies) {
      if (!r.ok || r.op !== 'joins') continue;
      merged.attempted += r.result.attempted;
      merged.joined += r.result.joined;
      merged.failed += r.result.failed;
      merged.maxSendLagMs = Math.max(merged.maxSendLagMs, r.result.maxSendLagMs);
      if (merged.firstError === undefined && r.result.firstError !== undefined) merged.firstError = r.result.firstError;
      merged.histogram.add(decodeFromCompressedBase64(r.result.histogram));
    }
    return merged;
  }

  /** Runs one webinar-join step in the first worker (the whole meeting on one clock). */
  async webinar(run: WebinarRun): Promise<WebinarResult> {
    const r = await this.workers[0]!.call({ op: 'webinar', run });
    if (!r.ok || r.op !== 'webinar') throw new Error('webinar step: unexpected reply');
    return r.result;
  }

  /** Closes every client of every worker. */
  async closeClients(): Promise<void> {
    this.meetingsDealt = 0;
    await Promise.all(this.workers.map((w) => w.call({ op: 'close-clients' })));
  }

  /** Ends the workers: asks each to close its clients and stop, terminates those that do not. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all(
      this.workers.map(async (w) => {
        const exited = new Promise<void>((resolve) => w.worker.once('exit', () => resolve()));
        await w.call({ op: 'shutdown' }).catch(() => {});
        const timer = setTimeout(() => void w.worker.terminate(), 2000);
        await exited;
        clearTimeout(timer);
      }),
    );
  }
}
