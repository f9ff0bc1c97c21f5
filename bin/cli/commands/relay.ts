/** `ephemera relay`: runs the relay with settings from flags and environment variables. */
import type { Command } from '../command.types.js';
import { parseRelaySettings, relayHelp, startRelay, RelayConfigError, type Relay } from '../../../relay/index.js';
import { runUntilSignal } from '../run-until-signal.js';
import { EXIT_WITH_PARENT_ENV } from '../relay-processes.js';

export async function startRelayFromArgs(argv: string[], overrides: Record<string, unknown> = {}): Promise<Relay | number> {
  let settings;
  try {
    settings = { ...overrides, ...parseRelaySettings(argv, process.env) };
  } catch (err) {
    process.stderr.write(`ephemera relay: ${(err as Error).message}\n`);
    return 2;
  }
  try {
    return await startRelay(settings);
  } catch (err) {
    const e = err as Error & { code?: string };
    process.stderr.write(`ephemera relay: cannot start: ${e.message}${e.code && !(err instanceof RelayConfigError) ? ` (${e.code})` : ''}\n`);
    return err instanceof RelayConfigError ? 2 : 1;
  }
}

export const run: Command = async (argv) => {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(relayHelp() + '\n');
    return 0;
  }
  const relay = await startRelayFromArgs(argv);
  if (typeof relay === 'number') return relay;
  process.stdout.write(`ephemera relay: listening on ${relay.url} (transport ${relay.transportName}); join at ${relay.url}/v1/meetings/<meeting id>\n`);
  process.stdout.write(`ephemera relay: admin on http://${relay.options.adminHost}:${relay.adminPort} (/metrics /healthz /readyz)\n`);
  if (process.env[EXIT_WITH_PARENT_ENV] === '1') {
    // A relay of `ephemera start --relays`: its stdin is the parent's pipe, which closes when the parent dies
    // (even by kill -9): then drain as on SIGTERM.
    process.stdin.once('close', () => process.kill(process.pid, 'SIGTERM'));
    process.stdin.resume();
  }
  return runUntilSignal('ephemera relay', () => relay.drain(), relay.options.drainTimeoutMs);
};
