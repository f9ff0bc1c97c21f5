/**
 * `ephemera start` (what `npm start` runs): the invite service and the relay together with embedded defaults,
 * and the web meeting client (built with esbuild at start, offline) served by the invite service at /join.
 * Relay flags pass through (`ephemera start --transport ws`); `--invite-port N` moves the invite service.
 * It prints a link that opens a new development meeting as host (the development host key in the fragment).
 * `--relays N` (or `--relays` alone: one per core) runs N relay processes joined by a local nats-server instead
 * of the one relay in this process (start-relays.ts); without it, or with 1, everything stays in one process.
 */
import { mkdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import type { Command } from '../command.types.js';
import { startRelayFromArgs } from './relay.js';
import { parseRelaySettings, relayHelp, resolveRelayOptions } from '../../../relay/index.js';
import { createInviteService } from '../../../invite-service/index.js';
import { loadOrCreateDevKeys, mintJoinToken, DEFAULT_CAPABILITIES } from '../../../token/index.js';
import { runUntilSignal } from '../run-until-signal.js';
import { ensureDevHostKey, devHostKeyPath } from '../dev-host-key.js';
import { buildWebClient } from '../../../web/build.js';
import { removeClusterFile } from '../cluster-file.js';
import { findNatsServer } from '../local-nats.js';
import { runRelays } from '../start-relays.js';

/** Most relay processes `--relays` starts. */
const MAX_RELAYS = 64;

/**
 * `--relays N`, `--relays=N`, `--relays auto` or `--relays` alone (one per core), else EPHEMERA_RELAYS, else 1.
 * Removes the flag from argv; returns the count or an error sentence.
 */
function takeRelays(argv: string[]): number | string {
  const i = argv.findIndex((a) => a === '--relays' || a.startsWith('--relays='));
  let raw: string | undefined = process.env.EPHEMERA_RELAYS;
  if (i >= 0) {
    const arg = argv[i]!;
    if (arg.includes('=')) {
      raw = arg.slice(arg.indexOf('=') + 1);
      argv.splice(i, 1);
    } else if (argv[i + 1] !== undefined && !argv[i + 1]!.startsWith('--')) {
      raw = argv[i + 1];
      argv.splice(i, 2);
    } else {
      raw = 'auto';
      argv.splice(i, 1);
    }
  }
  if (raw === undefined || raw === '') return 1;
  if (raw === 'auto') return Math.min(MAX_RELAYS, availableParallelism());
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > MAX_RELAYS) return `invalid setting --relays (EPHEMERA_RELAYS): expected a number of relays from 1 to ${MAX_RELAYS} or auto, got "${raw}"`;
  return n;
}

function takeFlag(argv: string[], name: string): string | undefined {
  const i = argv.findIndex((a) => a === name || a.startsWith(name + '='));
  if (i < 0) return undefined;
  const arg = argv[i]!;
  const value = arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : argv[i + 1];
  argv.splice(i, arg.includes('=') ? 1 : 2);
  return value;
}

export const run: Command = async (input) => {
  const argv = [...input];
  if (argv.includes('--help')) {
    process.stdout.write('usage: ephemera start [--invite-port 8090] [--relays N|auto] [relay options]\n\nRuns the invite service (with the web meeting client at /join) and the relay together,\nand prints a link that opens a new development meeting in the browser.\n\n--relays N (EPHEMERA_RELAYS) runs N relay processes joined by NATS instead of one relay in this process;\n--relays alone (or auto) runs one per core. It starts a local nats-server (from the PATH or\nEPHEMERA_NATS_SERVER) unless --cluster-nats is given. With uws on Linux the relays share --port\n(SO_REUSEPORT); otherwise relay i listens on --port + i. Relay i keeps its data in <data-dir>/relays/r<i>.\n\n' + relayHelp() + '\n');
    return 0;
  }
  const relays = takeRelays(argv);
  if (typeof relays === 'string') {
    process.stderr.write(`ephemera start: ${relays}\n`);
    return 2;
  }
  const invitePortRaw = takeFlag(argv, '--invite-port') ?? process.env.EPHEMERA_INVITE_PORT ?? '8090';
  const invitePort = Number(invitePortRaw);
  if (!Number.isInteger(invitePort) || invitePort < 0 || invitePort > 65535) {
    process.stderr.write(`ephemera start: invalid setting --invite-port (EPHEMERA_INVITE_PORT): expected a port, got "${invitePortRaw}"\n`);
    return 2;
  }
  let settings;
  try {
    settings = resolveRelayOptions(parseRelaySettings(argv, process.env));
  } catch (err) {
    process.stderr.write(`ephemera start: ${(err as Error).message}\n`);
    return 2;
  }
  const natsServer = relays > 1 && settings.clusterNats.length === 0 ? findNatsServer() : null;
  if (relays > 1 && settings.clusterNats.length === 0 && natsServer === null) {
    process.stderr.write(`ephemera start: --relays ${relays} needs NATS between the relays: install nats-server (Debian: apt install nats-server; or set EPHEMERA_NATS_SERVER to its path), or give --cluster-nats nats://host:4222\n`);
    return 2;
  }
  const dataDir = settings.dataDir;
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  // A cluster.json left by a killed `--relays` run must not send the demo to relays that are gone.
  removeClusterFile(dataDir);
  const keys = loadOrCreateDevKeys(dataDir);
  const hostsFile = join(dataDir, 'hosts.json');
  const apiKey = ensureDevHostKey(dataDir, hostsFile);
  const scheme = settings.tlsCertFile !== undefined ? 'wss' : 'ws';
  let webClient;
  try {
    webClient = (await buildWebClient()).files;
  } catch (err) {
    process.stderr.write(`ephemera start: the web client was not built (${(err as Error).message}); the invite service runs without it\n`);
  }
  let invite;
  try {
    invite = await createInviteService({
      dataDir,
      hostsFile,
      port: invitePort,
      relayUrl: `${scheme}://${settings.host}:${settings.port}`,
      issuer: settings.issuer,
      audience: settings.audience,
      logLevel: settings.logLevel === 'silent' ? 'silent' : 'warn',
      ...(webClient !== undefined ? { webClient } : {}),
    });
  } catch (err) {
    process.stderr.write(`ephemera start: the invite service cannot start: ${(err as Error).message}\n`);
    return 1;
  }
  const useServiceKeys = settings.jwksFile === undefined && settings.jwksUrl === undefined;
  if (relays > 1) {
    return runRelays({ count: relays, argv, settings, invite, natsServer, apiKey, ...(useServiceKeys ? { jwksUrl: invite.jwksUrl } : {}) });
  }
  const relay = await startRelayFromArgs(argv, useServiceKeys ? { jwksUrl: invite.jwksUrl } : {});
  if (typeof relay === 'number') {
    await invite.close();
    return relay;
  }
  // With --port 0 the relay's port is known only now.
  invite.setRelayUrl(relay.url);
  const sample = mintJoinToken(keys.privateKey, keys.kid, {
    issuer: settings.issuer,
    audience: settings.audience,
    participantId: 'alice',
    meetingId: 'sample',
    role: 'host',
    capabilities: [...DEFAULT_CAPABILITIES.host],
    ttlSeconds: 3600,
    displayName: 'Alice',
  });
  const out = [
    `Ephemera is running.`,
    `  relay           ${relay.url}  (transport ${relay.transportName}; join at ${relay.url}/v1/meetings/<meeting id>)`,
    `  admin           http://${relay.options.adminHost}:${relay.adminPort}/metrics  /healthz  /readyz`,
    `  invite service  ${invite.url}  (JWKS ${invite.jwksUrl}, OpenAPI ${invite.url}/openapi.json)`,
    `  data folder     ${dataDir}  (CDRs in ${join(dataDir, 'cdr', 'cdr.jsonl')})`,
    `  dev host key    ${devHostKeyPath(dataDir)}  (Authorization: Bearer <key> for POST ${invite.url}/v1/meetings)`,
    ...(invite.webClientUrl !== undefined
      ? [
          `  web client      ${invite.webClientUrl}  (join links from the invite service open it)`,
          ``,
          `Open this link in a browser to start a new meeting as its host (development; it carries the dev host key):`,
          `${invite.webClientUrl}#host-key=${encodeURIComponent(apiKey)}`,
        ]
      : []),
    ``,
    `Sample token (host "alice" of meeting "sample", 1 hour):`,
    sample,
    ``,
    `Try: npx ephemera demo --participants 5 --messages 20`,
  ];
  process.stdout.write(out.join('\n') + '\n');
  return runUntilSignal('ephemera', async () => {
    await relay.drain();
    await invite.close();
  }, relay.options.drainTimeoutMs);
};
