/**
 * Samples the server's CPU time and the load generator's own CPU time at the edges of a measurement window, so
 * CPU per delivered frame counts only what the window cost.
 */
import { nowUs, readCpuUs, readRssBytes } from '../lib/proc-stats.js';

export interface WindowSample {
  /** Server CPU over the window, scaled to the nominal window length. */
  serverCpuUs: number;
  /** Load-generator CPU (all threads of this process) over the window, scaled likewise. */
  clientCpuUs: number;
  /** Server RSS at the end of the window. */
  rssBytes: number;
}

function sleepUntilUs(t: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, (t - nowUs()) / 1000)));
}

function processCpuUs(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}

/** The server's processes: one pid, or several whose CPU and memory add up (a cluster). */
export type ServerPids = number | readonly number[];

function sum(pids: ServerPids, read: (pid: number) => number): number {
  if (typeof pids === 'number') return read(pids);
  let n = 0;
  for (const p of pids) n += read(p);
  return n;
}

export async function sampleWindow(pids: ServerPids, fromUs: number, toUs: number): Promise<WindowSample> {
  await sleepUntilUs(fromUs);
  const t0 = nowUs();
  const server0 = sum(pids, readCpuUs);
  const client0 = processCpuUs();
  await sleepUntilUs(toUs);
  const t1 = nowUs();
  const server1 = sum(pids, readCpuUs);
  const client1 = processCpuUs();
  const scale = (toUs - fromUs) / Math.max(1, t1 - t0);
  return { serverCpuUs: (server1 - server0) * scale, clientCpuUs: (client1 - client0) * scale, rssBytes: sum(pids, readRssBytes) };
}
