/**
 * `ephemera start` (what `npm start` runs): the invite service and the relay together with embedded defaults.
 * Relay flags pass through (`ephemera start --transport ws`); `--invite-port N` moves the invite service.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from '../command.types.js';
import { startRelayFromArgs } from './relay.js';
import { parseRelaySettings, relayHelp, resolveRelayOptions } from '../../../relay/index.js';
import { createInviteService } from '../../../invite-service/index.js';
import { loadOrCreateDevKeys, mintJoinToken, DEFAULT_CAPABILITIES } from '../../../relay/auth/index.js';
import { runUntilSignal } from '../run-until-signal.js';
import { ensureDevHostKey, devHostKeyPath } from '../dev-host-key.js';

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
    process.stdout.write('usage: ephemera start [--invite-port 8090] [relay options]\n\nRuns the invite service and the relay together.\n\n' + relayHelp() + '\n');
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
    ``,
    `Sample token (host "alice" of meeting "sample", 1 hour):`,
    sample,
    ``,
    `Try: npx ephemera demo --participants 5 --messages 20`,
  ];
  process.stdout.write(out.join('\n') + '\n');
  void apiKey;
  return runUntilSignal('ephemera', async () => {
    await relay.drain();
    await invite.close();
  }, relay.options.drainTimeoutMs);
};
