import { describe, expect, it } from 'vitest';
import { CdrOptionsError, resolveCdrOptions, type CdrOptions } from '../../relay/cdr/index.js';

const SECRET = 'whsec_' + Buffer.from('0123456789abcdef0123456789abcdef').toString('base64');

function problem(options: unknown): string {
  try {
    resolveCdrOptions(options as CdrOptions);
  } catch (err) {
    expect(err).toBeInstanceOf(CdrOptionsError);
    return (err as Error).message;
  }
  return 'no error';
}

describe('CDR options', () => {
  it('fills documented defaults and freezes the result', () => {
    const o = resolveCdrOptions({ dataDir: '/tmp/x' });
    expect(o.sinks).toEqual([{ type: 'file', name: 'file', path: '/tmp/x/cdr/cdr.jsonl' }]);
    expect(o.interimIntervalMs).toBe(900_000);
    expect(o.heartbeatMs).toBe(5_000);
    expect(o.includeDisplayNames).toBe(false);
    expect(o.includeIpAddresses).toBe(false);
    expect(Object.isFrozen(o)).toBe(true);
    expect(Object.isFrozen(o.sinks)).toBe(true);
    expect(Object.isFrozen(o.sinks[0])).toBe(true);
  });

  it('names the setting that is wrong', () => {
    expect(problem({})).toContain('dataDir');
    expect(problem({ dataDir: '/d', heartbeatMs: 0 })).toContain('heartbeatMs');
    expect(problem({ dataDir: '/d', interimIntervalMs: -5 })).toContain('interimIntervalMs');
    expect(problem({ dataDir: '/d', includeDisplayNames: 'yes' })).toContain('includeDisplayNames');
    expect(problem({ dataDir: '/d', colour: 'red' })).toContain('options.colour');
    expect(problem({ dataDir: '/d', sinks: [{ type: 'kafka' }] })).toContain('sinks[0].type');
    expect(problem({ dataDir: '/d', sinks: [{ type: 'webhook', secrets: [SECRET] }] })).toContain('sinks[0].url');
    expect(problem({ dataDir: '/d', sinks: [{ type: 'webhook', url: 'ftp://x/', secrets: [SECRET] }] })).toContain('sinks[0].url');
    expect(problem({ dataDir: '/d', sinks: [{ type: 'webhook', url: 'http://x/', secrets: [] }] })).toContain('sinks[0].secrets');
    const bad = problem({ dataDir: '/d', sinks: [{ type: 'webhook', url: 'http://x/', secrets: [SECRET, 'hunter2-plaintext'] }] });
    expect(bad).toContain('sinks[0].secrets[1]');
    expect(bad).not.toContain('hunter2');
    expect(problem({ dataDir: '/d', sinks: [{ type: 'file', name: 'a' }, { type: 'stdout', name: 'a' }] })).toContain('sinks[1].name');
    expect(problem({ dataDir: '/d', sinks: [{ type: 'file' }, { type: 'file' }] })).toContain('two file sinks');
    expect(problem({ dataDir: '/d', sinks: [{ type: 'webhook', url: 'http://x/', secrets: [SECRET], backoffBaseMs: 500, backoffMaxMs: 100 }] })).toContain('backoffMaxMs');
  });

  it('names several sinks of one type uniquely', () => {
    const o = resolveCdrOptions({
      dataDir: '/d',
      sinks: [
        { type: 'webhook', url: 'http://a/', secrets: [SECRET] },
        { type: 'webhook', url: 'http://b/', secrets: [SECRET] },
        { type: 'stdout' },
      ],
    });
    expect(o.sinks.map((s) => s.name)).toEqual(['webhook', 'webhook-2', 'stdout']);
  });
});
