/**
 * `npm run bench [-- --quick --scenarios a,b --servers x,y --duration S]`: runs Ephemera and its peers on the same
 * scenarios in one run, server pinned to core 0 and the load generator to core 1, and writes
 * bench/results/<timestamp>.json, bench/results/latest.json, bench/RESULTS.md and bench/results/chart.svg.
 *
 * The first process only re-executes itself pinned to the load core with a raised open-files limit; the pinned
 * process runs the load generator's worker threads and starts each server as a pinned child.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, USAGE, type BenchOptions } from './lib/args.js';
import { killAllChildren } from './lib/child-process.js';
import { sleep } from './lib/free-port.js';
import { readRssBytes } from './lib/proc-stats.js';
import { LoadGenerator } from './load/load-generator.js';
import { writeReports } from './report/write-results.js';
import { mergeResults } from './report/merge-results.js';
import type { BenchResults, ServerScenarioResult } from './report/results.types.js';
import { runScenario } from './runner/index.js';
import { emptyResult } from './runner/figures.js';
import { SCENARIOS } from './scenarios/scenarios.js';
import { ephemeraUnavailable, natsServerAvailable, startServer, type ServerName, type StartResult } from './servers/index.js';

const SERVER_CORE = 0;
const LOAD_CORE = 1;
const PINNED_ENV = 'EPHEMERA_BENCH_PINNED';
const ROOT = fileURLToPath(new URL('../', import.meta.url));

function log(line: string): void {
  process.stdout.write(line + '\n');
}

/** Re-executes this run pinned to the load core; resolves with its exit code. */
function reexecPinned(argv: readonly string[]): Promise<number> {
  const script = `ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"; exec taskset -c ${LOAD_CORE} "$0" "$@"`;
  const child = spawn('bash', ['-c', script, process.execPath, fileURLToPath(new URL('../bin/run-ts.js', import.meta.url)), fileURLToPath(import.meta.url), ...argv], {
    stdio: 'inherit',
    env: { ...process.env, [PINNED_ENV]: '1' },
  });
  const forward = (sig: NodeJS.Signals): void => {
    child.kill(sig);
  };
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  return new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      process.off('SIGINT', forward);
      process.off('SIGTERM', forward);
      resolve(code ?? (signal ? 130 : 1));
    });
  });
}

/** Which servers cannot run at all, and why (checked once, before the run). */
async function unavailableServers(servers: readonly ServerName[]): Promise<Record<string, string>> {
  const skipped: Record<string, string> = {};
  if (servers.includes('nats') && !natsServerAvailable()) skipped.nats = 'nats-server not found, skipped (apt-get install -y nats-server)';
  if (servers.some((s) => s.startsWith('ephemera-'))) {
    const why = await ephemeraUnavailable();
    if (why) for (const s of servers) if (s.startsWith('ephemera-')) skipped[s] = why;
  }
  return skipped;
}

/** The invite figures of bench/invite (when it exists), in the shape of a scenario with one server. */
async function runInvites(opts: BenchOptions): Promise<Record<string, ServerScenarioResult> | undefined> {
  const file = new URL('./invite/autocannon-invites.ts', import.meta.url);
  if (!existsSync(fileURLToPath(file))) return undefined;
  const mod = (await import(file.href)) as { benchInvites?: (o: { quick: boolean; durationS: number }) => Promise<unknown> };
  if (typeof mod.benchInvites !== 'function') {
    log('bench/invite/autocannon-invites.ts does not export benchInvites: invite figures skipped');
    return undefined;
  }
  log('\n== invite: POST /v1/meetings/:id/invites on the invite service (bench/invite, autocannon) ==');
  const figures = inviteFigures(await mod.benchInvites({ quick: opts.quick, durationS: opts.durationS }));
  log(`  invite-service ${figures.level ?? ''}: ${figures.deliveredPerSec ?? '-'} tokens/s, p99 ${figures.p99Ms ?? '-'} ms, ${figures.cpuUsPerFrame ?? '-'} us CPU/token`);
  return { 'invite-service': figures };
}

function num(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

/** Maps benchInvites' result onto the common fields: delivered = tokens/s, CPU per frame = CPU per token. */
function inviteFigures(raw: unknown): ServerScenarioResult {
  const r = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
  const failures = (num(r.non2xx) ?? 0) + (num(r.errors) ?? 0);
  return {
    deliveredPerSec: num(r.tokensPerSec),
    p50Ms: num(r.p50Ms),
    p99Ms: num(r.p99Ms),
    p999Ms: null,
    lost: failures,
    cpuUsPerFrame: num(r.serverCpuUsPerToken),
    rssMB: null,
    bytesPerConn: null,
    clientCpuPct: null,
    passed: failures === 0,
    level: `${num(r.connections) ?? '?'} connections, ${num(r.invitesPerRequest) ?? '?'} invite(s)/request`,
    steps: [],
    details: raw,
  };
}

async function runAll(opts: BenchOptions): Promise<BenchResults> {
  const started = Date.now();
  const skipped = await unavailableServers(opts.servers);
  for (const [name, why] of Object.entries(skipped)) log(`${name}: ${why}`);
  const servers = opts.servers.filter((s) => !(s in skipped));
  const scenarios = SCENARIOS.filter((s) => opts.scenarios.includes(s.name));
  const cpuList = cpus();
  const results: BenchResults = {
    scenarios: {},
    machine: {
      cpus: cpuList.length,
      model: cpuList[0]?.model ?? 'unknown',
      node: process.version,
      date: new Date().toISOString(),
      quick: opts.quick,
      warmupS: opts.warmupS,
      durationS: opts.durationS,
      workers: opts.workers,
      serverCore: SERVER_CORE,
      loadCore: LOAD_CORE,
      p99LimitMs: opts.p99LimitMs,
      sendOrder: opts.spread ? 'spread' : 'by-meeting',
    },
    skipped,
  };
  const gen = await LoadGenerator.start({ workers: opts.workers });
  try {
    for (const scenario of scenarios) {
      log(`\n== ${scenario.name}: ${scenario.summary} ==`);
      const perServer: Record<string, ServerScenarioResult> = {};
      results.scenarios[scenario.name] = perServer;
      for (const name of servers) {
        const t0 = Date.now();
        let started: StartResult;
        try {
          started = await startServer(name, { core: SERVER_CORE, media: opts.media });
        } catch (err) {
          started = { ok: false, skipped: `could not start: ${(err as Error).message.split('\n')[0] ?? ''}` };
        }
        if (!started.ok) {
          log(`  ${name}: ${started.skipped}`);
          perServer[name] = emptyResult(started.skipped);
          continue;
        }
        const server = started.server;
        const t1 = Date.now();
        try {
          await sleep(150);
          await gen.init(server.endpoint);
          perServer[name] = await runScenario(
            {
              gen,
              server,
              quick: opts.quick,
              warmupMs: opts.warmupS * 1000,
              measureMs: opts.durationS * 1000,
              drainMs: opts.quick ? 500 : 2000,
              retries: opts.retries,
              spread: opts.spread,
              p99LimitMs: opts.p99LimitMs,
              baselineRssBytes: readRssBytes(server.pid),
              ...(opts.joinCount !== undefined ? { joinCount: opts.joinCount } : {}),
              log,
            },
            scenario,
          );
        } catch (err) {
          const why = (err as Error).message.split('\n')[0] ?? 'error';
          log(`  ${name}: ${why}`);
          perServer[name] = emptyResult(why);
        } finally {
          const t2 = Date.now();
          await gen.closeClients().catch(() => {});
          await server.close();
          if (process.env.BENCH_TIMING) log(`  ${name}: start ${t1 - t0} ms, run ${t2 - t1} ms, stop ${Date.now() - t2} ms`);
        }
      }
    }
    if (opts.invite) {
      const invite = await runInvites(opts).catch((err: Error) => {
        log(`invite bench failed: ${err.message.split('\n')[0] ?? ''}`);
        return undefined;
      });
      if (invite !== undefined) results.scenarios.invite = invite;
    }
  } finally {
    await gen.close();
  }
  log(`\nbench finished in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  return results;
}


async function main(argv: readonly string[]): Promise<number> {
  let opts: BenchOptions;
  try {
    opts = parseArgs(argv);
  } catch (err) {
    process.stderr.write(`bench: ${(err as Error).message}\n`);
    return 2;
  }
  if (opts.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (process.env[PINNED_ENV] !== '1') return reexecPinned(argv);

  // Pinned process: whatever ends it, no server outlives it.
  const onSignal = (sig: NodeJS.Signals): void => {
    killAllChildren();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.kill(process.pid, sig);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const measured = await runAll(opts);
    const latest = join(ROOT, 'bench', 'results', 'latest.json');
    const results = opts.merge && existsSync(latest) ? mergeResults(JSON.parse(readFileSync(latest, 'utf8')) as BenchResults, measured) : measured;
    const written = writeReports(results, ROOT);
    log(`wrote ${written.join(', ')}`);
    return 0;
  } finally {
    killAllChildren();
  }
}

process.exitCode = await main(process.argv.slice(2));
