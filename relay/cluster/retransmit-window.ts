/**
 * The origin's bounded, in-memory window of its recent reliable messages for one meeting, so that a relay that
 * missed some (NATS core is at-most-once) can ask for them again. Oldest first out past the byte bound; evicted
 * buffers are zeroed (they hold frames, i.e. content) once NATS has written them, and so is everything when the
 * meeting goes.
 */
/** Zeroes buffers once NATS has written them (it holds references to what it publishes until it flushes). */
export type ZeroLater = (buffers: Uint8Array[]) => void;

export class RetransmitWindow {
  private readonly fifo: Array<{ key: string; seq: number; bytes: Uint8Array }> = [];
  private readonly byKey = new Map<string, Map<number, Uint8Array>>();
  private head = 0;
  bytes = 0;

  constructor(private readonly maxBytes: number, private readonly zeroLater: ZeroLater) {}

  add(key: string, seq: number, bytes: Uint8Array): void {
    let m = this.byKey.get(key);
    if (m === undefined) {
      m = new Map();
      this.byKey.set(key, m);
    }
    m.set(seq, bytes);
    this.fifo.push({ key, seq, bytes });
    this.bytes += bytes.length;
    let evicted: Uint8Array[] | null = null;
    while (this.bytes > this.maxBytes && this.head < this.fifo.length) {
      const old = this.fifo[this.head]!;
      this.fifo[this.head++] = undefined as never;
      this.byKey.get(old.key)?.delete(old.seq);
      this.bytes -= old.bytes.length;
      (evicted ??= []).push(old.bytes);
    }
    if (evicted !== null) this.zeroLater(evicted);
    if (this.head > 1024 && this.head * 2 > this.fifo.length) {
      this.fifo.splice(0, this.head);
      this.head = 0;
    }
  }

  get(key: string, seq: number): Uint8Array | undefined {
    return this.byKey.get(key)?.get(seq);
  }

  clear(): void {
    const all: Uint8Array[] = [];
    for (let i = this.head; i < this.fifo.length; i++) all.push(this.fifo[i]!.bytes);
    if (all.length > 0) this.zeroLater(all);
    this.fifo.length = 0;
    this.head = 0;
    this.byKey.clear();
    this.bytes = 0;
  }
}
