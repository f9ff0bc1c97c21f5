/**
 * Join tokens for the Ephemera adapter, minted with the relay's own development keys (token/, the token contract:
 * loadOrCreateDevKeys(dataDir) reads or creates <dataDir>/keys, mintJoinToken signs ES256). token/ is loaded
 * lazily so that the bench runs the peers even when it is missing; `loadTokenMinter` then rejects with a one-line
 * reason and the bench skips the ephemera servers.
 */

/** Mints join tokens for one meeting participant at a time. */
export interface TokenMinter {
  mint(meetingId: string, participantId: string, role?: 'host' | 'presenter' | 'attendee'): string;
}

const AUTH_MODULE = new URL('../../../token/index.ts', import.meta.url);

/** The part of token/ the bench uses (checked at run time, not imported statically). */
interface AuthModule {
  loadOrCreateDevKeys(dataDir: string): { privateKey: unknown; kid: string };
  mintJoinToken(privateKey: unknown, kid: string, claims: Record<string, unknown>): string;
  DEFAULT_ISSUER: string;
  DEFAULT_AUDIENCE: string;
}

function isAuthModule(m: Record<string, unknown>): m is Record<string, unknown> & AuthModule {
  return (
    typeof m.loadOrCreateDevKeys === 'function' &&
    typeof m.mintJoinToken === 'function' &&
    typeof m.DEFAULT_ISSUER === 'string' &&
    typeof m.DEFAULT_AUDIENCE === 'string'
  );
}

/** A token lifetime longer than any bench run. */
const TTL_SECONDS = 6 * 3600;

/**
 * Loads token/ and the development keys of `dataDir` (created when missing: call it before the relay starts,
 * so that the relay finds and trusts the same keys).
 */
export async function loadTokenMinter(dataDir: string): Promise<TokenMinter> {
  let mod: Record<string, unknown>;
  try {
    mod = (await import(AUTH_MODULE.href)) as Record<string, unknown>;
  } catch (err) {
    throw new Error(`token/ cannot be loaded (${(err as Error).message.split('\n')[0] ?? ''})`);
  }
  if (!isAuthModule(mod)) throw new Error('token/ does not export loadOrCreateDevKeys, mintJoinToken, DEFAULT_ISSUER and DEFAULT_AUDIENCE');
  const auth = mod;
  const keys = auth.loadOrCreateDevKeys(dataDir);
  return {
    mint(meetingId, participantId, role = 'attendee') {
      return auth.mintJoinToken(keys.privateKey, keys.kid, {
        issuer: auth.DEFAULT_ISSUER,
        audience: auth.DEFAULT_AUDIENCE,
        participantId,
        meetingId,
        role,
        capabilities: ['chat', 'audio', 'video'],
        ttlSeconds: TTL_SECONDS,
      });
    },
  };
}
