/**
 * `ephemera start` (what `npm start` runs): the invite service and the relay together with embedded defaults,
 * and the web meeting client (built with esbuild at start, offline) served by the invite service at /join.
 * Relay flags pass through (`ephemera start --transport ws`); `--invite-port N` moves the invite service.
 * It prints a link that opens a new development meeting as host (the development host key in the fragment).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from '../command.types.js';
import { startRelayFromArgs } from './relay.js';
import { parseRelaySettings, relayHelp, resolveRelayOptions } from '../../../relay/index.js';
import { createInviteService } from '../../../invite-service/index.js';
import { loadOrCreateDevKeys, mintJoinToken, DEFAULT_CAPABILITIES } from '../../../token/index.js';
import { runUntilSignal } from '../run-until-signal.js';
import { ensureDevHostKey, devHostKeyPath } from '../dev-host-key.js';
import { buildWebClient } from '../../../web/build.js';

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
    process.stdout.write('usage: ephemera start [--invite-port 8090] [relay options]\n\nRuns the invite service (with the web meeting client at /join) and the relay together,\nand prints a link that opens a new development meeting in the browser.\n\n' + relayHelp() + '\n');
    return 0;
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
  const dataDir = settings.dataDir;
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
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
