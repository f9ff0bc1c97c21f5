/** `ephemera invite-service`: runs the invite service alone until SIGINT or SIGTERM. */
import { parseArgs } from 'node:util';
import type { Command } from '../command.types.js';
import { createInviteService, listHosts, resolveOptions, type InviteServiceOptions } from '../../../invite-service/index.js';

const USAGE = `usage: ephemera invite-service [options]

Runs the invite service: hosts create meetings and invite participants over HTTP and get signed join tokens;
the relay verifies them with the keys at /.well-known/jwks.json.

options (flag, environment variable, default):
  --host ADDR          EPHEMERA_INVITE_HOST        127.0.0.1
  --port N             EPHEMERA_INVITE_PORT        8090
  --data-dir DIR       EPHEMERA_DATA_DIR           .ephemera
  --keys-dir DIR       EPHEMERA_INVITE_KEYS_DIR    <data dir>/keys (shared with ephemera token)
  --hosts-file FILE    EPHEMERA_INVITE_HOSTS_FILE  <data dir>/hosts.json
  --relay-url URL      EPHEMERA_RELAY_PUBLIC_URL   ws://127.0.0.1:8080 (join URLs: <url>/v1/meetings/<id>)
  --issuer ISS         EPHEMERA_TOKEN_ISSUER       ephemera-invite
  --audience AUD       EPHEMERA_TOKEN_AUDIENCE     ephemera-relay
  --default-ttl S      EPHEMERA_INVITE_DEFAULT_TTL 3600
  --max-ttl S          EPHEMERA_INVITE_MAX_TTL     86400
  --rate-per-key N     EPHEMERA_INVITE_RATE_PER_KEY  1200 requests per minute per API key
  --rate-per-ip N      EPHEMERA_INVITE_RATE_PER_IP   1200 requests per minute per address
  --trust-proxy        EPHEMERA_INVITE_TRUST_PROXY false (honour X-Forwarded-For)
  --log-level LEVEL    EPHEMERA_LOG_LEVEL          info
  -h, --help

Host API keys: ephemera keys add-host --name NAME. Key rotation: ephemera keys rotate.
`;

function intOf(name: string, v: string | undefined): number | undefined {
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  if (!Number.isInteger(n)) throw new Error(`${name} must be an integer, got ${JSON.stringify(v)}`);
  return n;
}

/** Builds service options from flags and environment (flags win). Exported for `ephemera start`. */
export function inviteOptionsFromArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): InviteServiceOptions | 'help' {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      host: { type: 'string' },
      port: { type: 'string' },
      'data-dir': { type: 'string' },
      'keys-dir': { type: 'string' },
      'hosts-file': { type: 'string' },
      'relay-url': { type: 'string' },
      issuer: { type: 'string' },
      audience: { type: 'string' },
      'default-ttl': { type: 'string' },
      'max-ttl': { type: 'string' },
      'rate-per-key': { type: 'string' },
      'rate-per-ip': { type: 'string' },
      'trust-proxy': { type: 'boolean' },
      'log-level': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help === true) return 'help';
  const perKey = intOf('--rate-per-key', values['rate-per-key'] ?? env.EPHEMERA_INVITE_RATE_PER_KEY);
  const perIp = intOf('--rate-per-ip', values['rate-per-ip'] ?? env.EPHEMERA_INVITE_RATE_PER_IP);
  const opts: Record<string, unknown> = {
    host: values.host ?? env.EPHEMERA_INVITE_HOST,
    port: intOf('--port', values.port ?? env.EPHEMERA_INVITE_PORT),
    dataDir: values['data-dir'] ?? env.EPHEMERA_DATA_DIR,
    keysDir: values['keys-dir'] ?? env.EPHEMERA_INVITE_KEYS_DIR,
    hostsFile: values['hosts-file'] ?? env.EPHEMERA_INVITE_HOSTS_FILE,
    relayUrl: values['relay-url'] ?? env.EPHEMERA_RELAY_PUBLIC_URL,
    issuer: values.issuer ?? env.EPHEMERA_TOKEN_ISSUER,
    audience: values.audience ?? env.EPHEMERA_TOKEN_AUDIENCE,
    defaultTokenTtlSeconds: intOf('--default-ttl', values['default-ttl'] ?? env.EPHEMERA_INVITE_DEFAULT_TTL),
    maxTokenTtlSeconds: intOf('--max-ttl', values['max-ttl'] ?? env.EPHEMERA_INVITE_MAX_TTL),
    rateLimitPerApiKey: perKey === undefined ? undefined : { max: perKey, windowMs: 60_000 },
    rateLimitPerIp: perIp === undefined ? undefined : { max: perIp, windowMs: 60_000 },
    trustProxy: values['trust-proxy'] ?? (env.EPHEMERA_INVITE_TRUST_PROXY === 'true' ? true : undefined),
    logLevel: values['log-level'] ?? env.EPHEMERA_LOG_LEVEL,
  };
  for (const k of Object.keys(opts)) if (opts[k] === undefined) delete opts[k];
  return opts as InviteServiceOptions;
}

export const run: Command = async (argv) => {
  let options: InviteServiceOptions | 'help';
  try {
    options = inviteOptionsFromArgs(argv);
    if (options !== 'help') resolveOptions(options);
  } catch (err) {
    process.stderr.write(`ephemera invite-service: ${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (options === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  let service;
  try {
    service = await createInviteService(options);
  } catch (err) {
    process.stderr.write(`ephemera invite-service: ${(err as Error).message}\n`);
    return 1;
  }
  try {
    if (listHosts(service.hostsFile).every((h) => h.revokedAt !== undefined)) {
      process.stderr.write(`ephemera invite-service: no host API keys yet; create one with: ephemera keys add-host --name NAME\n`);
    }
  } catch {
    // The service already validated the file; a race with an editor is not worth failing over.
  }
  const svc = service;
  await new Promise<void>((resolveStop) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      void svc.close().then(resolveStop, resolveStop);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  return 0;
};
