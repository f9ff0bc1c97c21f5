/**
 * The relay's logger: pino, JSON lines on stderr. Callers log metadata only (ids, counts, codes); the redact
 * list is a second line of defence should a token-bearing object ever be passed.
 */
import { pino, type Logger as PinoLogger } from 'pino';

export type Logger = PinoLogger;

export function createLogger(level: string, name = 'ephemera-relay'): Logger {
  return pino(
    {
      name,
      level,
      redact: { paths: ['token', '*.token', 'authorization', '*.authorization', 'headers', '*.headers', 'payload', '*.payload'], censor: '[redacted]' },
    },
    pino.destination({ dest: 2, sync: false }),
  );
}
