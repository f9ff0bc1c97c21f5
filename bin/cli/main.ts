/** Dispatches `ephemera <command> [args]` to bin/cli/commands/<command>.ts. */
import type { Command } from './command.types.js';

const COMMANDS: Record<string, { summary: string; load: () => Promise<{ run: Command }> }> = {
  start: { summary: 'run the invite service and the relay with embedded defaults', load: () => import('./commands/start.js') },
  relay: { summary: 'run the relay (see ephemera relay --help)', load: () => import('./commands/relay.js') },
  token: { summary: 'mint a development join token from the local development key', load: () => import('./commands/token.js') },
  demo: { summary: 'run a scripted meeting against a running relay and print its CDR', load: () => import('./commands/demo.js') },
  'invite-service': { summary: 'run the invite service alone', load: () => import('./commands/invite-service.js') },
  keys: { summary: 'manage signing keys and host API keys (rotate, add-host, revoke-host, list)', load: () => import('./commands/keys.js') },
  cdr: { summary: 'inspect and replay call-detail records (tail, verify, failed, replay)', load: () => import('./commands/cdr.js') },
};

function usage(): string {
  const rows = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(16)}${c.summary}`);
  return ['usage: ephemera <command> [options]', '', 'commands:', ...rows, '', 'ephemera <command> --help for options.'].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage() + '\n');
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    process.stderr.write(`ephemera: unknown command '${name}'\n\n${usage()}\n`);
    return 2;
  }
  const mod = await command.load();
  return mod.run(rest);
}
