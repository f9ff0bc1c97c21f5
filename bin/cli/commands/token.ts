/** `ephemera token`: mints a development join token from the local key folder and prints it on stdout. */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { Command } from '../command.types.js';
import {
  CAPABILITIES,
  DEFAULT_AUDIENCE,
  DEFAULT_CAPABILITIES,
  DEFAULT_ISSUER,
  ROLES,
  loadOrCreateDevKeys,
  mintJoinToken,
  type Capability,
  type Role,
} from '../../../token/index.js';

const USAGE = `usage: ephemera token --meeting ID --participant ID [options]

Mints a join token signed with the development key in <data dir>/keys (created on first run) and prints it.

options:
  --meeting ID         meeting id (required)
  --participant ID     participant id, the token's sub (required)
  --role ROLE          host | presenter | attendee (default attendee)
  --caps LIST          comma-separated capabilities: ${CAPABILITIES.join(',')}
                       (default: host and presenter all, attendee chat,poll,document,audio,video)
  --ttl SECONDS        lifetime (default 3600)
  --name NAME          display name
  --single-use         the relay accepts the token for one join only
  --data-dir DIR       data folder (default $EPHEMERA_DATA_DIR or .ephemera)
  --issuer ISS         iss claim (default ${DEFAULT_ISSUER})
  --audience AUD       aud claim (default ${DEFAULT_AUDIENCE})
  -h, --help           this text
`;

export const run: Command = async (argv) => {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        meeting: { type: 'string' },
        participant: { type: 'string' },
        role: { type: 'string', default: 'attendee' },
        caps: { type: 'string' },
        ttl: { type: 'string', default: '3600' },
        name: { type: 'string' },
        'single-use': { type: 'boolean', default: false },
        'data-dir': { type: 'string' },
        issuer: { type: 'string', default: DEFAULT_ISSUER },
        audience: { type: 'string', default: DEFAULT_AUDIENCE },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (err) {
    process.stderr.write(`ephemera token: ${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const fail = (msg: string): number => {
    process.stderr.write(`ephemera token: ${msg}\n\n${USAGE}`);
    return 2;
  };
  if (values.meeting === undefined || values.meeting === '') return fail('--meeting is required');
  if (values.participant === undefined || values.participant === '') return fail('--participant is required');
  if (!(ROLES as readonly string[]).includes(values.role)) return fail(`--role must be one of ${ROLES.join(', ')}`);
  const role = values.role as Role;
  let caps: readonly Capability[] = DEFAULT_CAPABILITIES[role];
  if (values.caps !== undefined) {
    const list = values.caps.split(',').map((c) => c.trim()).filter((c) => c !== '');
    const bad = list.filter((c) => !(CAPABILITIES as readonly string[]).includes(c));
    if (bad.length > 0) return fail(`unknown capabilities: ${bad.join(', ')} (known: ${CAPABILITIES.join(', ')})`);
    caps = list as Capability[];
  }
  const ttl = Number(values.ttl);
  if (!Number.isInteger(ttl) || ttl <= 0) return fail('--ttl must be a positive integer (seconds)');
  const dataDir = resolve(values['data-dir'] ?? process.env.EPHEMERA_DATA_DIR ?? '.ephemera');
  let keys;
  try {
    keys = loadOrCreateDevKeys(dataDir);
  } catch (err) {
    process.stderr.write(`ephemera token: ${(err as Error).message}\n`);
    return 1;
  }
  let token: string;
  try {
    token = mintJoinToken(keys.privateKey, keys.kid, {
      issuer: values.issuer,
      audience: values.audience,
      participantId: values.participant,
      meetingId: values.meeting,
      role,
      capabilities: caps,
      ttlSeconds: ttl,
      ...(values.name !== undefined ? { displayName: values.name } : {}),
      singleUse: values['single-use'],
    });
  } catch (err) {
    return fail((err as Error).message);
  }
  process.stdout.write(token + '\n');
  return 0;
};
