/** bench/RESULTS.md from a results object: a table per scenario, Ephemera's ratios against every peer, the chart. */
import { EPHEMERA_SERVERS, ratiosFor } from './ratios.js';
import { evaluateTargets } from './targets.js';
import { GC_ON_SIGNAL, NODE_SERVER_FLAGS } from '../servers/node-flags.js';
import type { BenchResults, ServerScenarioResult, StepResult } from './results.types.js';

function n(v: number | null | undefined, digits = 2): string {
  if (v === null || v === undefined) return '-';
  if (Math.abs(v) >= 1000) return Math.round(v).toLocaleString('en-US');
  return v.toFixed(digits);
}

function kb(bytes: number | null): string {
  return bytes === null ? '-' : `${(bytes / 1024).toFixed(1)} kB`;
}

function x(r: number | null): string {
  return r === null ? '-' : `${r.toFixed(2)}x`;
}

function row(cells: string[]): string {
  return `| ${cells.join(' | ')} |`;
}

/** webinar-join: the headline step's joins, latencies, CPU and roster bytes per join, presenter latency. */
function webinarJoinTable(perServer: Record<string, ServerScenarioResult>): string[] {
  const out = [
    row(['server', 'highest step sustained', 'joins/s', 'join p50 ms', 'join p99 ms', 'missing', 'server CPU us/join', 'roster B/join', 'presenter p50 ms', 'presenter p99 ms', 'RSS MB', 'client CPU %']),
    row(['---', '---', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:']),
  ];
  for (const [server, r] of Object.entries(perServer)) {
    if (r.error) {
      out.push(row([server, `not run: ${r.error}`, '', '', '', '', '', '', '', '', '', '']));
      continue;
    }
    const s = r.steps.find((st) => st.level === r.level && st.passed === r.passed) ?? r.steps[0];
    out.push(
      row([
        server,
        r.passed ? (r.level ?? '-') : `none (first: ${r.level ?? '-'})`,
        n(r.deliveredPerSec, 0),
        n(r.p50Ms),
        n(r.p99Ms),
        n(r.lost, 0),
        n(r.cpuUsPerFrame),
        n(s?.rosterBytesPerJoin ?? null, 0),
        n(s?.presenterP50Ms ?? null),
        n(s?.presenterP99Ms ?? null),
        n(r.rssMB, 1),
        n(r.clientCpuPct, 0),
      ]),
    );
  }
  return out;
}

function scenarioTable(scenario: string, perServer: Record<string, ServerScenarioResult>): string[] {
  const join = scenario === 'join-storm';
  const idle = scenario === 'idle';
  const out: string[] = [];
  if (scenario === 'webinar-join') return webinarJoinTable(perServer);
  if (idle) {
    out.push(row(['server', 'connections', 'memory per connection (marginal, N/2 to N)', 'server RSS', 'server CPU per connect', 'failed']));
    out.push(row(['---', '---:', '---:', '---:', '---:', '---:']));
    for (const [server, r] of Object.entries(perServer)) {
      if (r.error) {
        out.push(row([server, `not run: ${r.error}`, '', '', '', '']));
        continue;
      }
      const s = r.steps[0];
      out.push(row([server, n(s?.connections ?? null, 0), kb(r.bytesPerConn), `${n(r.rssMB, 1)} MB`, `${n(s?.cpuUsPerFrame ?? null, 1)} us`, n(r.lost, 0)]));
    }
    return out;
  }
  out.push(
    row([
      'server',
      'highest step sustained',
      join ? 'joins/s' : 'delivered/s',
      'p50 ms',
      'p99 ms',
      'p999 ms',
      'lost',
      join ? 'server CPU us/join' : 'server CPU us/frame',
      'RSS MB',
      'B/conn',
      'client CPU %',
    ]),
  );
  out.push(row(['---', '---', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:']));
  for (const [server, r] of Object.entries(perServer)) {
    if (r.error) {
      out.push(row([server, `not run: ${r.error}`, '', '', '', '', '', '', '', '', '']));
      continue;
    }
    out.push(
      row([
        server,
        r.passed ? (r.level ?? '-') : `none (first: ${r.level ?? '-'})`,
        n(r.deliveredPerSec, 0),
        n(r.p50Ms),
        n(r.p99Ms),
        n(r.p999Ms),
        n(r.lost, 0),
        n(r.cpuUsPerFrame),
        n(r.rssMB, 1),
        join ? '-' : n(r.bytesPerConn, 0),
        n(r.clientCpuPct, 0),
      ]),
    );
  }
  return out;
}

function ratioTable(perServer: Record<string, ServerScenarioResult>): string[] {
  const present = EPHEMERA_SERVERS.filter((e) => perServer[e] && !perServer[e].error);
  if (present.length === 0) return ['Ephemera did not run in this scenario: no ratios.'];
  const byEphemera = present.map((e) => ({ e, ratios: ratiosFor(perServer, e) }));
  const peers = [...new Set(byEphemera.flatMap((b) => b.ratios.map((r) => r.peer)))];
  const header = ['peer'];
  for (const e of present) header.push(`${e} CPU/frame`, `${e} p99`, `${e} compared at`, `${e} CPU/frame at capacity`);
  const out = [row(header), row(header.map((_, i) => (i === 0 ? '---' : i % 4 === 3 ? '---' : '---:')))];
  for (const peer of peers) {
    const cells = [peer];
    for (const b of byEphemera) {
      const r = b.ratios.find((q) => q.peer === peer);
      cells.push(x(r?.cpu ?? null), x(r?.p99 ?? null), r?.level ?? 'headline figures', x(r?.cpuAtCapacity ?? null));
    }
    out.push(row(cells));
  }
  return out;
}

function stepsTable(perServer: Record<string, ServerScenarioResult>): string[] {
  const out = [
    row(['server', 'step', 'offered/s', 'delivered/s', 'p50', 'p99', 'p999', 'lost', 'CPU us', 'server CPU %', 'client CPU %', 'send lag ms', 'result']),
    row(['---', '---', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---']),
  ];
  for (const [server, r] of Object.entries(perServer)) {
    for (const s of r.steps as StepResult[]) {
      out.push(
        row([
          server,
          s.level,
          n(s.offeredPerSec, 0),
          n(s.deliveredPerSec, 0),
          n(s.p50Ms),
          n(s.p99Ms),
          n(s.p999Ms),
          n(s.lost, 0),
          n(s.cpuUsPerFrame),
          n(s.serverCpuPct, 0),
          n(s.clientCpuPct, 0),
          n(s.maxSendLagMs, 1),
          s.passed ? 'pass' : `fail: ${s.failure ?? ''}`,
        ]),
      );
    }
  }
  return out;
}

function inviteTable(perServer: Record<string, ServerScenarioResult>): string[] {
  const out = [
    'The invite service issuing join tokens (bench/invite: autocannon, POST /v1/meetings/:id/invites; service pinned to core 0).',
    '',
    row(['service', 'run', 'tokens/s', 'p50 ms', 'p99 ms', 'server CPU us/token', 'failed requests']),
    row(['---', '---', '---:', '---:', '---:', '---:', '---:']),
  ];
  for (const [server, r] of Object.entries(perServer)) {
    if (r.error) {
      out.push(row([server, `not run: ${r.error}`, '', '', '', '', '']));
      continue;
    }
    out.push(row([server, r.level ?? '-', n(r.deliveredPerSec, 0), n(r.p50Ms), n(r.p99Ms), n(r.cpuUsPerFrame, 1), n(r.lost, 0)]));
    const d = r.details as { batched?: Record<string, unknown> } | undefined;
    const b = d?.batched;
    if (b && typeof b === 'object') {
      const num = (v: unknown): number | null => (typeof v === 'number' ? v : null);
      out.push(
        row([
          server,
          `batched, ${num(b.invitesPerRequest) ?? '?'} invites/request`,
          n(num(b.tokensPerSec), 0),
          n(num(b.p50Ms)),
          n(num(b.p99Ms)),
          n(num(b.serverCpuUsPerToken), 1),
          n((num(b.non2xx) ?? 0) + (num(b.errors) ?? 0), 0),
        ]),
      );
    }
  }
  return out;
}

/** The whole RESULTS.md. */
export function renderResultsMd(results: BenchResults): string {
  const m = results.machine;
  const lines: string[] = [
    '# Benchmark results',
    '',
    '<!-- Generated by `npm run bench` (bench/report/results-md.ts): do not edit by hand. -->',
    '',
    `Run ${m.date} on ${m.cpus} x ${m.model}, Node ${m.node}${m.quick ? ', **quick run** (short steps: indicative only)' : ''}. ` +
      `Server pinned to core ${m.serverCore}, load generator (${m.workers} worker thread${m.workers === 1 ? '' : 's'}) to core ${m.loadCore}; ` +
      `${m.warmupS} s warm-up and ${m.durationS} s measurement per step; senders ${m.sendOrder === 'spread' ? 'spread across meetings' : 'fire meeting by meeting'}. ` +
      `A step passes when p99 < ${m.p99LimitMs} ms, nothing is lost and the load generator kept its schedule; ` +
      'each table shows the highest step a server sustained (or its first step when none passed). ' +
      `Every Node server, Ephemera and the Node peers alike, runs with \`${NODE_SERVER_FLAGS.map((f) => (f === GC_ON_SIGNAL ? 'bench/servers/gc-on-signal.cjs' : f)).join(' ')}\`.`,
    '',
    '- **server CPU us/frame**: server CPU time (/proc utime+stime) over the window divided by the frames delivered in it: the robust figure on a noisy machine.',
    '- **latency**: send timestamp in every payload, HdrHistogram with coordinated-omission correction.',
    '- **lost**: deliveries owed by frames sent in the window minus those received. **client CPU %**: the load generator\'s own CPU (near 100 % means the step measured the client).',
    '- **idle memory per connection**: marginal RSS, (RSS at N - RSS at N/2) / (N/2), each read after settling and a forced full GC (SIGUSR2 to every Node server; nats-server collects by itself): what one more connection costs, without start-up footprint or memory given back later.',
    '- **webinar-join**: a fresh meeting per step; join latency from the upgrade request to WELCOME; CPU per join over the storm (presenter traffic included); roster bytes per join: WELCOME, ROSTER and ROSTER_BATCH bytes every client received, over the joins; presenter latency at 20 subscribed observers (peers: the host\'s chat).',
    '- **B/conn** in traffic scenarios: RSS growth per connection after the first clients joined, shown from 1,000 connections up (see `idle` for the memory figure).',
    '- **Ratios**: Ephemera\'s figure divided by the peer\'s (below 1.00x: Ephemera cheaper or faster), at the same offered load: the highest step both sustained, else the highest both ran. **At capacity**: CPU per frame with each server at its own highest sustained step (how shared/PERFORMANCE.md quotes the peers; per-frame cost falls as load rises, so this favours the server that sustains more).',
    '',
    '![server CPU per frame and p99 per server](results/chart.svg)',
    '',
    '## Targets',
    '',
    'Evaluated from this run (bench/report/targets.ts). CPU ratios are at the same offered load (the strict reading); "at capacity" puts each server at its own highest sustained step.',
    '',
    row(['target', 'reached', 'met']),
    row(['---', '---', '---']),
    ...evaluateTargets(results).map((t) => row([t.target, t.reached, t.met === null ? 'not measured' : t.met ? 'yes' : 'no'])),
    '',
  ];
  const skipped = Object.entries(results.skipped);
  if (skipped.length) {
    lines.push('Not run:', '');
    for (const [server, why] of skipped) lines.push(`- ${server}: ${why}`);
    lines.push('');
  }
  for (const [scenario, perServer] of Object.entries(results.scenarios)) {
    if (scenario === 'invite') {
      lines.push('## invite', '', ...inviteTable(perServer), '');
      continue;
    }
    lines.push(`## ${scenario}`, '', ...scenarioTable(scenario, perServer), '');
    const kept = Object.entries(perServer).filter(([, r]) => r.runDate !== undefined);
    if (kept.length) lines.push(`Kept from earlier runs (\`--merge\`; not compared with this run's figures): ${kept.map(([s, r]) => `${s} (${r.runDate})`).join(', ')}.`, '');
    if (scenario !== 'idle') {
      lines.push('Ratios (Ephemera / peer):', '', ...ratioTable(perServer), '');
      lines.push('<details><summary>every step</summary>', '', ...stepsTable(perServer), '', '</details>', '');
    } else {
      const present = EPHEMERA_SERVERS.filter((e) => perServer[e] && !perServer[e].error && perServer[e].bytesPerConn !== null);
      for (const e of present) {
        const mine = perServer[e]!.bytesPerConn!;
        const parts = Object.entries(perServer)
          .filter(([p, r]) => !(EPHEMERA_SERVERS as readonly string[]).includes(p) && r.bytesPerConn && r.runDate === perServer[e]!.runDate)
          .map(([p, r]) => `${p} ${x(mine / r.bytesPerConn!)}`);
        if (parts.length) lines.push(`Memory per connection, ${e} / peer: ${parts.join(', ')}.`, '');
      }
    }
  }
  return lines.join('\n');
}
