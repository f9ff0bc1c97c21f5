/** A sub-command of `ephemera`: parses its own argv, returns the process exit code. Only bin/ exits. */
export type Command = (argv: string[]) => Promise<number>;
