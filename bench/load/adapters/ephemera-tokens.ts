/**
 * Join tokens for the Ephemera adapter, minted with the relay's own development keys (relay/auth:
 * loadOrCreateDevKeys and mintJoinToken). Loaded lazily so that the bench runs the peers even before relay/auth
 * exists; `loadTokenMinter` then rejects with a one-line reason and the bench skips the ephemera servers.
 */

/** Mints join tokens for one meeting participant at a time. */
export interface TokenMinter {
  mint(meetingId: string, participantId: string, publisher: boolean): Promise<string>;
}

const AUTH_MODULE = new URL('../../../relay/auth/index.ts', import.meta.url);

type Fn = (...args: unknown[]) => unknown;

function isFn(v: unknown): v is Fn {
  return typeof v === 'function';
}

/**
 * Loads relay/auth and the development keys in `<dataDir>/keys` (created when missing, so call it before the
 * relay starts to have it use the same keys).
 */
export async function loadTokenMinter(dataDir: string): Promise<TokenMinter> {
  let mod: Record<string, unknown>;
  try {
    mod = (await import(AUTH_MODULE.href)) as Record<string, unknown>;
  } catch (err) {
    throw new Error(`relay/auth is not there yet (${(err as Error).message.split('\n')[0]})`);
  }
  const { loadOrCreateDevKeys, mintJoinToken } = mod;
  if (!isFn(loadOrCreateDevKeys) || !isFn(mintJoinToken)) throw new Error('relay/auth does not export loadOrCreateDevKeys and mintJoinToken yet');
  // TODO(ephemera): align with the final relay/auth signatures once they land.
  const keys = await loadOrCreateDevKeys(`${dataDir}/keys`);
  return {
    async mint(meetingId, participantId, publisher) {
      const capabilities = publisher ? ['chat', 'audio', 'video'] : ['chat'];
      const token = await mintJoinToken(keys, { meetingId, sub: participantId, role: 'attendee', capabilities });
      if (typeof token !== 'string') throw new Error('mintJoinToken did not return a string');
      return token;
    },
  };
}
