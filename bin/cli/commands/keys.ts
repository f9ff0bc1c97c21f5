/** `ephemera keys`: rotate the signing key, add, revoke and list host API keys. */
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { Command } from '../command.types.js';
import { openKeyFolder, publishedJwks, readKeyFolder, rotateKeyFolder } from '../../../token/index.js';
import { addHost, listHosts, revokeHost } from '../../../invite-service/index.js';

const DEFAULT_RETAIN = 86_400 + 300;

const USAGE = `usage: ephemera keys <rotate|add-host|revoke-host|list> [options]

  rotate [--retain-seconds N]   a new ES256 key signs from now on; the old public key stays in the JWKS for N
                                seconds (default ${DEFAULT_RETAIN}: the longest token lifetime, 86400, plus 5 minutes;
                                raise it if the service runs with a larger --max-ttl). A running service follows
                                within a second.
  add-host --name NAME          creates a host API key and prints it once on stdout (stored only as a scrypt hash)
  revoke-host ID|NAME           revokes a host key (a running service refuses it within a second)
  list [--json]                 signing keys and host keys (never secrets)

common options:
  --data-dir DIR      EPHEMERA_DATA_DIR, default .ephemera
  --keys-dir DIR      default <data dir>/keys
  --hosts-file FILE   default <data dir>/hosts.json
  -h, --help
`;

export const run: Command = async (argv) => {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: true,
      options: {
        'data-dir': { type: 'string' },
        'keys-dir': { type: 'string' },
        'hosts-file': { type: 'string' },
        'retain-seconds': { type: 'string' },
        name: { type: 'string' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (err) {
    process.stderr.write(`ephemera keys: ${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const [sub, ...rest] = positionals;
  if (values.help || sub === undefined) {
    (values.help ? process.stdout : process.stderr).write(USAGE);
    return values.help ? 0 : 2;
  }
  const dataDir = resolve(values['data-dir'] ?? process.env.EPHEMERA_DATA_DIR ?? '.ephemera');
  const keysDir = resolve(values['keys-dir'] ?? join(dataDir, 'keys'));
  const hostsFile = resolve(values['hosts-file'] ?? join(dataDir, 'hosts.json'));
  const fail = (msg: string, code = 1): number => {
    process.stderr.write(`ephemera keys ${sub}: ${msg}\n`);
    return code;
  };
  try {
    switch (sub) {
      case 'rotate': {
        const retain = values['retain-seconds'] === undefined ? DEFAULT_RETAIN : Number(values['retain-seconds']);
        if (!Number.isInteger(retain) || retain < 0) return fail('--retain-seconds must be an integer >= 0', 2);
        openKeyFolder(keysDir); // first run: create, so there is something to rotate from
        const k = rotateKeyFolder(keysDir, { retainSeconds: retain });
        process.stdout.write(`${k.kid}\n`);
        process.stderr.write(`signing key rotated in ${keysDir}; published: ${k.publicJwks.keys.map((j) => j.kid).join(', ')}\n`);
        return 0;
      }
      case 'add-host': {
        const name = values.name ?? rest[0];
        if (name === undefined) return fail('--name is required', 2);
        const h = addHost(hostsFile, name);
        process.stdout.write(`${h.apiKey}\n`);
        process.stderr.write(`host ${h.id} (${h.name}) added to ${hostsFile}. This key is shown once: store it now.\n`);
        return 0;
      }
      case 'revoke-host': {
        const target = rest[0] ?? values.name;
        if (target === undefined) return fail('give the host id or name', 2);
        const r = revokeHost(hostsFile, target);
        if (r === undefined) return fail(`no active host with id or name ${JSON.stringify(target)}`);
        process.stderr.write(`host ${r.id} (${r.name}) revoked at ${r.revokedAt ?? ''}\n`);
        return 0;
      }
      case 'list': {
        const hosts = listHosts(hostsFile);
        let signing: Array<{ kid: string; status: string; createdAt: string; publishedUntil?: string }> = [];
        try {
          const k = readKeyFolder(keysDir);
          const published = new Set(publishedJwks(k.ring).keys.map((j) => j.kid));
          signing = k.ring.keys.map((e) => ({
            kid: e.kid,
            status: e.kid === k.kid ? 'active' : published.has(e.kid) ? 'retired, published' : 'retired, unpublished',
            createdAt: new Date(e.createdAt * 1000).toISOString(),
            ...(e.publishUntil !== undefined ? { publishedUntil: new Date(e.publishUntil * 1000).toISOString() } : {}),
          }));
        } catch (err) {
          process.stderr.write(`(no signing keys: ${(err as Error).message})\n`);
        }
        if (values.json) {
          process.stdout.write(JSON.stringify({ signingKeys: signing, hosts }) + '\n');
          return 0;
        }
        process.stdout.write(`signing keys (${keysDir}):\n`);
        for (const s of signing) process.stdout.write(`  ${s.kid}  ${s.status}  created ${s.createdAt}${s.publishedUntil ? `  published until ${s.publishedUntil}` : ''}\n`);
        process.stdout.write(`host keys (${hostsFile}):\n`);
        for (const h of hosts) process.stdout.write(`  ${h.id}  ${h.name}  created ${h.createdAt}${h.revokedAt ? `  REVOKED ${h.revokedAt}` : ''}\n`);
        return 0;
      }
      default:
        process.stderr.write(`ephemera keys: unknown sub-command ${JSON.stringify(sub)}\n\n${USAGE}`);
        return 2;
    }
  } catch (err) {
    return fail((err as Error).message);
  }
};
