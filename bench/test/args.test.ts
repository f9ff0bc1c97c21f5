import { describe, expect, it } from 'vitest';
import { parseArgs } from '../lib/args.js';
import { SERVER_NAMES } from '../servers/server.types.js';

describe('parseArgs', () => {
  it('defaults to every scenario and server, full steps', () => {
    const o = parseArgs([]);
    expect(o.quick).toBe(false);
    expect(o.servers).toEqual(SERVER_NAMES);
    expect(o.scenarios).toContain('conference');
    expect(o.durationS).toBe(5);
    expect(o.invite).toBe(true);
    expect(o.media).toBe(true);
    expect(Object.isFrozen(o)).toBe(true);
  });

  it('takes subsets, quick timings and --flag=value', () => {
    const o = parseArgs(['--quick', '--servers=uws-raw,nats', '--scenarios', 'idle', '--duration', '2']);
    expect(o.quick).toBe(true);
    expect(o.servers).toEqual(['uws-raw', 'nats']);
    expect(o.scenarios).toEqual(['idle']);
    expect(o.durationS).toBe(2);
    expect(o.warmupS).toBe(0.25);
    expect(o.retries).toBe(0);
    expect(o.invite).toBe(false);
  });

  it('refuses unknown names and bad numbers, naming the flag', () => {
    expect(() => parseArgs(['--servers', 'uws-raw,apache'])).toThrow(/--servers: unknown 'apache'/);
    expect(() => parseArgs(['--scenarios', 'conference,'])).not.toThrow();
    expect(() => parseArgs(['--duration', '-1'])).toThrow(/--duration/);
    expect(() => parseArgs(['--workers', '1.5'])).toThrow(/--workers/);
    expect(() => parseArgs(['--bogus'])).toThrow(/unknown option --bogus/);
  });
});
