/** EPHEMERA_SOAK_SCALE (default 1) multiplies the lengths of the soak runs. */
export const SOAK_SCALE = Math.max(0.01, Number(process.env.EPHEMERA_SOAK_SCALE ?? 1));

/** `n` scaled by SOAK_SCALE, at least 1. */
export function scaled(n: number): number {
  return Math.max(1, Math.round(n * SOAK_SCALE));
}
