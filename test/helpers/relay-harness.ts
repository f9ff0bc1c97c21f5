/** Starts real relays (in this process, real sockets on port 0) and mints tokens for them. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { pino } from 'pino';
import { startRelay, type Relay, type RelayOptions, type RelayTestHooks } from '../../relay/index.js';
import { loadOrCreateDevKeys, mintJoinToken, DEFAULT_CAPABILITIES, type Role, type Capability, type MeetingPolicyClaims } from '../../token/index.js';
import { connect, type EphemeraClient } from '../../client/index.js';

export const TRANSPORTS = ['uws', 'ws'] as const;

export interface Harness {
  readonly relay: Relay;
  readonly dataDir: string;
  token(meetingId: string, participantId: string, opts?: TokenOpts): string;
  join(meetingId: string, participantId: string, opts?: TokenOpts): Promise<EphemeraClient>;
  close(): Promise<void>;
}

export interface TokenOpts {
  role?: Role;
  capabilities?: Capability[];
  ttlSeconds?: number;
  displayName?: string;
  singleUse?: boolean;
  policy?: MeetingPolicyClaims;
}

export function meetingId(): string {
  return 'm-' + randomBytes(8).toString('base64url');
}

/** `hooks`: test-only fault injection (RelayTestHooks), which only an in-process relay can be given. */
export async function startHarness(
  transport: 'uws' | 'ws',
  options: Partial<RelayOptions> = {},
  hooks: RelayTestHooks = {},
  logger = pino({ level: 'silent' }),
): Promise<Harness> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'ephemera-test-'));
  const relay = await startRelay({ transport, port: 0, adminPort: 0, dataDir, logLevel: 'silent', ...options }, logger, hooks);
  const keys = loadOrCreateDevKeys(dataDir);
  const clients: EphemeraClient[] = [];
  const token = (mid: string, pid: string, opts: TokenOpts = {}): string => {
    const role = opts.role ?? 'attendee';
    return mintJoinToken(keys.privateKey, keys.kid, {
      issuer: relay.options.issuer,
      audience: relay.options.audience,
      participantId: pid,
      meetingId: mid,
      role,
      capabilities: opts.capabilities ?? [...DEFAULT_CAPABILITIES[role]],
      ttlSeconds: opts.ttlSeconds ?? 600,
      ...(opts.displayName !== undefined ? { displayName: opts.displayName } : {}),
      ...(opts.singleUse !== undefined ? { singleUse: opts.singleUse } : {}),
      ...(opts.policy !== undefined ? { policy: opts.policy } : {}),
    });
  };
  return {
    relay,
    dataDir,
    token,
    async join(mid, pid, opts) {
      const c = await connect({ url: relay.url, meetingId: mid, token: token(mid, pid, opts) });
      clients.push(c);
      return c;
    },
    async close() {
      for (const c of clients) c.close();
      await relay.close();
      if (options.dataDir === undefined) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export async function waitFor(cond: () => boolean, timeoutMs = 5_000, what: string | (() => string) = 'condition'): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${typeof what === 'string' ? what : what()}`);
    await sleep(5);
  }
}
