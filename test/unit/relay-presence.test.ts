/**
 * RelayPresence: heartbeats over a bus we own (an in-memory stand-in for the NATS subject; the cluster tests run
 * it over real NATS), the live set, rendezvous ownership, and up/down events.
 */
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { RelayPresence, rendezvousOrder } from '../../relay/cluster/relay-presence.js';

const INTERVAL = 20;
const DEAD_AFTER = 120;

/** A bus: what one presence sends reaches every other connected one (asynchronously, as NATS would). */
class Bus {
  readonly members = new Map<string, RelayPresence>();
  readonly cut = new Set<string>();
  add(id: string): RelayPresence {
    const p = new RelayPresence({ selfId: id, prefix: 'test', intervalMs: INTERVAL, deadAfterMs: DEAD_AFTER }, (_subject, body) => {
      if (this.cut.has(id)) return;
      setImmediate(() => {
        for (const [other, q] of this.members) if (other !== id && !this.cut.has(other)) q.receive(body);
      });
    });
    this.members.set(id, p);
    p.start();
    return p;
  }
}

const open: RelayPresence[] = [];
afterEach(() => {
  for (const p of open.splice(0)) p.close();
});

/**
 * Resolves once the clock passes `at` (checked every interval): these tests are about time passing (a relay's
 * silence), so the wait is the scenario, not a wait for an outcome.
 */
function until(at: number): Promise<void> {
  return new Promise<void>((resolve) => {
    const t = setInterval(() => {
      if (performance.now() < at) return;
      clearInterval(t);
      resolve();
    }, INTERVAL);
  });
}

function waitUntil(p: RelayPresence, test: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    const check = (): void => {
      if (!test()) return;
      p.off('up', check);
      p.off('down', check);
      resolve();
    };
    p.on('up', check);
    p.on('down', check);
    check();
  });
}

describe('rendezvous hashing', () => {
  it('names one owner per key, spreads keys, and moves only the dead node\'s keys', () => {
    const nodes = ['r0', 'r1', 'r2'];
    const owners = new Map<string, string>();
    const spread = new Map<string, number>();
    for (let i = 0; i < 3000; i++) {
      const key = `meeting-${i}`;
      const order = rendezvousOrder(key, nodes);
      expect(new Set(order).size).toBe(3);
      // The order does not depend on the order nodes are listed in.
      expect(rendezvousOrder(key, [...nodes].reverse())).toEqual(order);
      owners.set(key, order[0]!);
      spread.set(order[0]!, (spread.get(order[0]!) ?? 0) + 1);
    }
    for (const n of nodes) expect(spread.get(n)).toBeGreaterThan(800);
    for (const [key, owner] of owners) {
      const after = rendezvousOrder(key, ['r0', 'r2'])[0];
      if (owner !== 'r1') expect(after).toBe(owner);
      else expect(after).toBe(rendezvousOrder(key, nodes)[1]);
    }
  });
});

describe('RelayPresence', () => {
  it('agrees on the live set and owners, and declares a silent relay dead after deadAfterMs', async () => {
    const bus = new Bus();
    const a = bus.add('a');
    const b = bus.add('b');
    const c = bus.add('c');
    open.push(a, b, c);
    await Promise.all([a, b, c].map((p) => waitUntil(p, () => p.liveNodes().length === 3)));
    expect(a.liveNodes()).toEqual(['a', 'b', 'c']);
    for (let i = 0; i < 50; i++) {
      const key = `m${i}`;
      expect(b.ownerOf(key)).toBe(a.ownerOf(key));
      expect(c.ownerOf(key)).toBe(a.ownerOf(key));
      expect(a.orderOf(key)[0]).toBe(a.ownerOf(key));
    }
    // c goes silent (kill -9: no goodbye).
    const started = performance.now();
    bus.cut.add('c');
    const [node, why] = await once(a, 'down');
    expect([node, why]).toEqual(['c', 'timeout']);
    expect(performance.now() - started).toBeGreaterThanOrEqual(DEAD_AFTER - INTERVAL);
    await waitUntil(b, () => !b.isLive('c'));
    expect(a.liveNodes()).toEqual(['a', 'b']);
    for (let i = 0; i < 50; i++) expect(a.ownerOf(`m${i}`)).not.toBe('c');
    // It comes back (a new process with the same id): up again.
    bus.cut.delete('c');
    await waitUntil(a, () => a.isLive('c'));
  });

  it('drops a relay at once on its goodbye, and treats a new incarnation as a restart', async () => {
    const bus = new Bus();
    const a = bus.add('a');
    const b = bus.add('b');
    open.push(a);
    await waitUntil(a, () => a.isLive('b'));
    const down = once(a, 'down');
    b.close();
    expect(await down).toEqual(['b', 'bye']);
    bus.members.delete('b');
    const b2 = bus.add('b');
    open.push(b2);
    await waitUntil(a, () => a.isLive('b'));
    // Same id, another process, before the first was declared dead: down then up.
    const events: string[] = [];
    a.on('down', (n, why) => events.push(`down ${n} ${why}`));
    a.on('up', (n) => events.push(`up ${n}`));
    bus.members.delete('b');
    b2.close();
    bus.cut.add('x');
    const b3 = new RelayPresence({ selfId: 'b', prefix: 'test', intervalMs: INTERVAL, deadAfterMs: DEAD_AFTER }, (_s, body) => setImmediate(() => a.receive(body)));
    open.push(b3);
    b3.start();
    await waitUntil(a, () => events.includes('up b'));
    expect(events[0]).toMatch(/^down b (bye|restarted)$/);
  });

  it('reports a stall when it did not run for longer than deadAfterMs', async () => {
    const bus = new Bus();
    const a = bus.add('a');
    open.push(a);
    const stalled = once(a, 'stalled');
    // Block the event loop past deadAfterMs (what SIGSTOP does to the whole process).
    const until = performance.now() + DEAD_AFTER + 2 * INTERVAL;
    while (performance.now() < until) { /* blocked */ }
    const [ms] = await stalled;
    expect(ms).toBeGreaterThan(DEAD_AFTER);
  });

  /** Relays a and b on one bus, each live for the other; `downs` collects whom a declares dead. */
  async function twoLive(): Promise<{ bus: Bus; a: RelayPresence; b: RelayPresence; downs: string[] }> {
    const bus = new Bus();
    const a = bus.add('a');
    const b = bus.add('b');
    open.push(a, b);
    await waitUntil(a, () => a.isLive('b'));
    const downs: string[] = [];
    a.on('down', (n) => downs.push(n));
    return { bus, a, b, downs };
  }

  it('declares nobody dead while it has no connection, and reports a stall when the outage outlasted dead-after', async () => {
    const { bus, a, b, downs } = await twoLive();
    // a loses NATS: it hears nobody for longer than dead-after, and must not blame the others.
    a.disconnected();
    bus.cut.add('a');
    const outage = performance.now();
    await until(outage + DEAD_AFTER * 2);
    expect(downs).toEqual([]);
    expect(a.isLive('b')).toBe(true);
    bus.cut.delete('a');
    const stalled = once(a, 'stalled');
    a.cutOff(performance.now() - outage);
    expect((await stalled)[0]).toBeGreaterThan(DEAD_AFTER);
    // b did declare a dead meanwhile, and hears it again.
    await waitUntil(b, () => b.isLive('a'));
    expect(downs).toEqual([]);
  });

  it('back from an outage shorter than dead-after, declares nobody dead for the silence it could not hear', async () => {
    const { bus, a, b, downs } = await twoLive();
    a.disconnected();
    bus.cut.add('a');
    const outage = performance.now();
    // Most of the dead-after time without hearing b (b's last beat is older still).
    await until(outage + DEAD_AFTER * 0.8);
    a.cutOff(performance.now() - outage);
    // Its next ticks run before b's next beat reaches it (here: a few intervals later): the silence was a's own.
    await until(performance.now() + INTERVAL * 3);
    bus.cut.delete('a');
    const end = performance.now() + DEAD_AFTER;
    await until(end);
    expect(downs).toEqual([]);
    expect(a.isLive('b')).toBe(true);
  });

  it('tells a relay it declared dead that comes back with the same incarnation (revived), which then stalls', async () => {
    const bus = new Bus();
    const a = bus.add('a');
    const b = bus.add('b');
    open.push(a, b);
    await waitUntil(a, () => a.isLive('b'));
    bus.cut.add('b');
    await once(a, 'down');
    const revived = once(a, 'revived');
    bus.cut.delete('b');
    const [node, boot] = await revived;
    expect([node, boot]).toEqual(['b', b.boot]);
    const stalled = once(b, 'stalled');
    b.stalledElsewhere(boot as string);
    await stalled;
    // Said again by another relay right after: one stall is enough.
    let again = 0;
    b.on('stalled', () => again++);
    b.stalledElsewhere(boot as string);
    b.stalledElsewhere('another-incarnation');
    expect(again).toBe(0);
  });

  it('refuses a dead-after not longer than the interval', () => {
    expect(() => new RelayPresence({ selfId: 'a', prefix: 'p', intervalMs: 100, deadAfterMs: 100 }, () => undefined)).toThrow(RangeError);
  });
});
