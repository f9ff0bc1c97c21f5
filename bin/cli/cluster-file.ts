/**
 * `<dataDir>/cluster.json`: what `ephemera start --relays N` runs (each relay's node name, URL, admin URL and
 * data folder), so that `ephemera demo` can put participants on every relay and find the meeting's record.
 * Written at start, removed at exit (and by a single-process `ephemera start`, so that a stale one from a killed
 * run never misleads the demo). Addresses and folder names only.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface ClusterFileRelay {
  readonly node: string;
  readonly url: string;
  readonly adminUrl: string;
  readonly dataDir: string;
}

export interface ClusterFile {
  readonly relays: readonly ClusterFileRelay[];
  /** True when the relays share one port (uws on Linux, SO_REUSEPORT): the kernel picks the relay of a connection. */
  readonly sharedPort: boolean;
  readonly nats: readonly string[];
  /** The invite service the relays take their keys from. */
  readonly inviteUrl?: string;
}

export function clusterFilePath(dataDir: string): string {
  return join(dataDir, 'cluster.json');
}

export function writeClusterFile(dataDir: string, file: ClusterFile): void {
  writeFileSync(clusterFilePath(dataDir), JSON.stringify(file, null, 2) + '\n', { mode: 0o600 });
}

export function removeClusterFile(dataDir: string): void {
  rmSync(clusterFilePath(dataDir), { force: true });
}

/** The file when present and well-formed, else null. */
export function readClusterFile(dataDir: string): ClusterFile | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(clusterFilePath(dataDir), 'utf8'));
  } catch {
    return null;
  }
  const f = parsed as Partial<ClusterFile>;
  if (!Array.isArray(f.relays) || f.relays.length === 0) return null;
  for (const r of f.relays as unknown[]) {
    const x = r as Partial<ClusterFileRelay>;
    if (typeof x.url !== 'string' || typeof x.node !== 'string' || typeof x.dataDir !== 'string') return null;
  }
  return {
    relays: f.relays, sharedPort: f.sharedPort === true, nats: Array.isArray(f.nats) ? f.nats : [],
    ...(typeof f.inviteUrl === 'string' ? { inviteUrl: f.inviteUrl } : {}),
  };
}
