/**
 * The admission pieces that ration an attacker, tested directly (relay/meeting/admission.ts): the cheap token
 * checks that run before any signature work, the per-IP limiter counting handshakes in progress, and the
 * verification gate (budget per event-loop turn, round-robin by address, bounds per address and relay-wide,
 * expiry). The end-to-end storm is in security-floods.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { cheapTokenCheck, IpLimiter, VerificationGate } from '../../relay/meeting/admission.js';

const b64 = (o: unknown): string => Buffer.from(JSON.stringify(o)).toString('base64url');
const nextTurn = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('cheapTokenCheck', () => {
  it('refuses what needs no signature work to refuse, with the verifier\'s codes', () => {
    const body = b64({ sub: 'x' });
    expect(cheapTokenCheck('not-a-jwt')).toBe('RELAY_ERR_TOKEN_INVALID');
    expect(cheapTokenCheck('a.b.c')).toBe('RELAY_ERR_TOKEN_INVALID');
    expect(cheapTokenCheck(`${b64([1, 2])}.${body}.sig`)).toBe('RELAY_ERR_TOKEN_INVALID');
    expect(cheapTokenCheck(`${'A'.repeat(5000)}.${body}.sig`)).toBe('RELAY_ERR_TOKEN_INVALID');
    expect(cheapTokenCheck(`${b64({ alg: 'HS256', kid: 'k' })}.${body}.sig`)).toBe('RELAY_ERR_TOKEN_ALGORITHM');
    expect(cheapTokenCheck(`${b64({ alg: 'none', kid: 'k' })}.${body}.`)).toBe('RELAY_ERR_TOKEN_ALGORITHM');
    expect(cheapTokenCheck(`${b64({ alg: 'ES256' })}.${body}.sig`)).toBe('RELAY_ERR_TOKEN_UNKNOWN_KEY');
    expect(cheapTokenCheck(`${b64({ alg: 'ES256', kid: 'k' })}.${body}.sig`)).toBeNull();
  });
});

describe('IpLimiter', () => {
  it('counts handshakes still being decided against the connection cap', () => {
    const l = new IpLimiter(2, 1_000);
    expect(l.admitHandshake('a', 0)).toBe(true);
    expect(l.admitHandshake('a', 0)).toBe(true);
    // Two in progress, none open yet: a third would overshoot the cap.
    expect(l.admitHandshake('a', 0)).toBe(false);
    expect(l.admitHandshake('b', 0)).toBe(true);
    l.handshakeDone('a');
    l.opened('a');
    l.handshakeDone('a');
    // Refused or aborted: the slot is free again.
    expect(l.admitHandshake('a', 0)).toBe(true);
    expect(l.admitHandshake('a', 0)).toBe(false);
    // The sweep forgets no address with a handshake in progress.
    l.sweep(60_000);
    expect(l.admitHandshake('a', 60_000)).toBe(false);
  });
});

describe('VerificationGate', () => {
  const gate = (o: Partial<ConstructorParameters<typeof VerificationGate>[0]> = {}): VerificationGate =>
    new VerificationGate({ maxPendingPerIp: 100, maxQueued: 100, perTurn: 2, maxWaitMs: 60_000, ...o });

  it('grants perTurn verifications at once per event-loop turn and queues the rest', async () => {
    const g = gate();
    expect(g.acquire('a', Date.now())).toBe(true);
    g.release('a');
    expect(g.acquire('a', Date.now())).toBe(true);
    g.release('a');
    const third = g.acquire('a', Date.now());
    expect(third).toBeInstanceOf(Promise);
    expect(g.waiting).toBe(1);
    await nextTurn();
    expect(await third).toBe(true);
    g.release('a');
    expect(g.waiting).toBe(0);
  });

  it('serves queued addresses round-robin: one address with many waiting delays another by one verification', async () => {
    const g = gate({ perTurn: 1 });
    expect(g.acquire('x', Date.now())).toBe(true);
    g.release('x');
    const order: string[] = [];
    const wait = (ip: string, tag: string): void => {
      const t = g.acquire(ip, Date.now());
      if (typeof t === 'boolean') throw new Error('expected to wait');
      void t.then((ok) => {
        order.push(`${tag}:${ok}`);
        g.release(ip);
      });
    };
    for (let i = 1; i <= 5; i++) wait('attacker', `a${i}`);
    wait('good', 'g1');
    for (let i = 0; i < 7; i++) await nextTurn();
    expect(order).toEqual(['a1:true', 'g1:true', 'a2:true', 'a3:true', 'a4:true', 'a5:true']);
  });

  it('refuses past the bound per address and relay-wide, and expires joins that waited too long', async () => {
    const g = gate({ perTurn: 1, maxPendingPerIp: 2, maxQueued: 3, maxWaitMs: 1_000 });
    const now = Date.now();
    expect(g.acquire('a', now)).toBe(true); // granted and not yet released: it counts as pending
    const a2 = g.acquire('a', now - 5_000); // queued 5 s ago: expired by the time it is served
    expect(a2).toBeInstanceOf(Promise);
    expect(g.acquire('a', now)).toBe(false); // two pending for 'a'
    const b = g.acquire('b', now - 5_000);
    const c = g.acquire('c', now);
    expect(g.acquire('d', now)).toBe(false); // three waiting relay-wide
    g.release('a');
    for (let i = 0; i < 4; i++) await nextTurn();
    expect(await a2).toBe(false);
    expect(await b).toBe(false);
    expect(await c).toBe(true);
    g.release('c');
    expect(g.waiting).toBe(0);
    // Refused and expired ones hold no slot.
    expect(g.acquire('a', Date.now())).toBe(true);
  });
});
