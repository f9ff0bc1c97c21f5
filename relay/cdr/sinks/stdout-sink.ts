/** One JSON line per record on standard output (for log shippers and containers). */
import { errorCode } from '../cdr-errors.js';
import type { OutboxItem } from '../outbox.js';
import type { AttemptResult, CdrSink } from './sink.types.js';

export class StdoutSink implements CdrSink {
  readonly name: string;
  readonly type = 'stdout' as const;
  readonly maxBatch = 256;
  readonly backoffBaseMs = 100;
  readonly backoffMaxMs = 10_000;
  #out: NodeJS.WritableStream;

  constructor(name: string, out: NodeJS.WritableStream = process.stdout) {
    this.name = name;
    this.#out = out;
  }

  attempt(batch: readonly OutboxItem[]): Promise<AttemptResult> {
    let text = '';
    for (const item of batch) text += item.body + '\n';
    return new Promise((resolve) => {
      try {
        this.#out.write(text, (err) => resolve(err ? { kind: 'retry', error: errorCode(err) } : { kind: 'ok' }));
      } catch (err) {
        resolve({ kind: 'retry', error: errorCode(err) });
      }
    });
  }

  close(): void {}
}
