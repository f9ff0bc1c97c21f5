/** Runs a server until SIGTERM/SIGINT, then drains it within a deadline. Only bin/ decides the exit code. */
export async function runUntilSignal(name: string, close: () => Promise<void>, deadlineMs: number): Promise<number> {
  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: string): void => {
      if (stopping) return;
      stopping = true;
      process.stderr.write(`${name}: ${signal} received, draining (deadline ${deadlineMs} ms)\n`);
      const deadline = setTimeout(() => {
        process.stderr.write(`${name}: drain deadline passed, exiting\n`);
        resolve(1);
      }, deadlineMs);
      deadline.unref();
      close().then(
        () => {
          clearTimeout(deadline);
          resolve(0);
        },
        (err: unknown) => {
          clearTimeout(deadline);
          process.stderr.write(`${name}: error while draining: ${(err as Error).message}\n`);
          resolve(1);
        },
      );
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
}
