/** Error descriptions for logs and crash output. */

/**
 * What the log says about a caught exception: its type, code and stack frames. Not its message, which may quote
 * what the code was handling (a frame's bytes, a token).
 */
export function describeError(err: unknown): { type: string; code?: string; stack: string[] } {
  if (!(err instanceof Error)) return { type: typeof err, stack: [] };
  const code = (err as { code?: unknown }).code;
  const stack = (err.stack ?? '').split('\n').filter((l) => /^\s+at /.test(l)).map((l) => l.trim()).slice(0, 20);
  return { type: err.name, ...(typeof code === 'string' ? { code } : {}), stack };
}
