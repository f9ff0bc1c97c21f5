/** Starts real nats-server processes (Debian's package installs /usr/sbin/nats-server) on random ports; stops them. */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';

export interface NatsServer {
  readonly url: string;
  readonly port: number;
  /** Everything the server logged (stderr), to check that no content ever appears there. */
  log(): string;
  stop(): Promise<void>;
}

const NATS_SERVER = process.env.NATS_SERVER ?? ['/usr/sbin/nats-server', '/usr/bin/nats-server'].find((p) => existsSync(p)) ?? 'nats-server';

/**
 * Starts one nats-server on 127.0.0.1, on `port` or a random client port (-p -1); resolves once it listens.
 * `extraArgs` go to nats-server as given (for example `-l file`, `--routes`).
 */
export function startNatsServer(extraArgs: readonly string[] = [], port = -1): Promise<NatsServer> {
  const child: ChildProcess = spawn(NATS_SERVER, ['-a', '127.0.0.1', '-p', String(port), ...extraArgs], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      if (poll !== null) clearInterval(poll);
      child.kill('SIGKILL');
      reject(new Error(`nats-server did not start: ${out.slice(-500)}`));
    }, 10_000);
    // With -l the server logs to that file instead of stderr: watch the file then.
    const logIndex = extraArgs.indexOf('-l');
    const logFile = logIndex >= 0 ? extraArgs[logIndex + 1] : undefined;
    const poll = logFile === undefined ? null : setInterval(() => onData(Buffer.alloc(0)), 20);
    const onData = (chunk: Buffer): void => {
      out += chunk.toString('utf8');
      const text = logFile !== undefined && existsSync(logFile) ? readFileSync(logFile, 'utf8') : out;
      const m = /Listening for client connections on [^\s]*:(\d+)/.exec(text);
      if (m === null) return;
      if (poll !== null) clearInterval(poll);
      clearTimeout(timer);
      const port = Number(m[1]);
      resolve({
        url: `nats://127.0.0.1:${port}`,
        port,
        log: () => (logFile !== undefined && existsSync(logFile) ? readFileSync(logFile, 'utf8') : '') + out,
        stop: () =>
          new Promise<void>((done) => {
            if (child.exitCode !== null || child.signalCode !== null) return done();
            child.once('exit', () => done());
            child.kill('SIGTERM');
          }),
      });
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

/** A free loopback TCP port (bound then released: good enough for a test that starts a server on it next). */
export async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}
