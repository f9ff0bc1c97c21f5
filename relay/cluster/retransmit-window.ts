/**
 * The origin's bounded, in-memory window of its recent reliable messages for one meeting, so that a relay that
 * missed some (NATS core is at-most-once) can ask for them again. Oldest first out past the byte bound; evicted
 * buffers are zeroed (they hold frames, i.e. content) and everything is zeroed when the meeting goes.
 */
export class RetransmitWindow {
  private readonly fifo: Array<{ key: string; seq: number; bytes: Uint8Array }> = [];
  private readonly byKey = new Map<string, Map<number, Uint8Array>>();
  private head = 0;
  bytes = 0;

  constructor(private readonly maxBytes: number) {}

  add(key: string, seq: number, bytes: Uint8Array): void {
    let m = this.byKey.get(key);
    if (m === undefined) {
      m = new Map();
      this.byKey.set(key, m);
    }
    m.set(seq, bytes);
    this.fifo.push({ key, seq, bytes });
    this.bytes += bytes.length;
    while (this.bytes > this.maxBytes && this.head < this.fifo.length) {
      const old = this.fifo[this.head]!;
      this.fifo[this.head++] = undefined as never;
      this.byKey.get(old.key)?.delete(old.seq);
      this.bytes -= old.bytes.length;
      old.bytes.fill(0);
    }
    if (this.head > 1024 && this.head * 2 > this.fifo.length) {
      this.fifo.splice(0, this.head);
      this.head = 0;
    }
  }

  get(key: string, seq: number): Uint8Array | undefined {
    return this.byKey.get(key)?.get(seq);
  }

  clear(): void {
    for (let i = this.head; i < this.fifo.length; i++) this.fifo[i]!.bytes.fill(0);
    this.fifo.length = 0;
    this.head = 0;
    this.byKey.clear();
    this.bytes = 0;
  }
}
