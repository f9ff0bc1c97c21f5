/** relay/state: the durable expiring id set behind the replay store and the ended-meeting set. */
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createFileEndedMeetings, createFileReplayStore, ExpiringIdFile } from '../../relay/state/index.js';

describe('ExpiringIdFile', () => {
  let dir = '';
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const open = (o: Partial<ConstructorParameters<typeof ExpiringIdFile>[0]> & { now: () => number }): ExpiringIdFile =>
    new ExpiringIdFile({ path: join(dir, 'state', 'ids'), namespace: 'jti', maxEntries: 100, whenFull: 'refuse', ...o });

  it('remembers ids across a reopen until they expire, writing digests only', () => {
    dir = mkdtempSync(join(tmpdir(), 'ephemera-ids-'));
    let t = 1_000_000;
    const a = open({ now: () => t });
    expect(a.add('token-id-1', t + 10_000)).toBe('added');
    expect(a.add('token-id-1', t + 10_000)).toBe('present');
    expect(a.add('token-id-2', t + 20_000)).toBe('added');
    a.close();
    const text = readFileSync(join(dir, 'state', 'ids'), 'utf8');
    expect(text).not.toContain('token-id');
    expect(text).toMatch(/^([0-9a-f]{32} \d+\n){2}$/);
    t += 15_000;
    const b = open({ now: () => t });
    expect(b.has('token-id-1')).toBe(false);
    expect(b.has('token-id-2')).toBe(true);
    expect(b.size).toBe(1);
    // Opening compacted the file to the live entry.
    expect(readFileSync(join(dir, 'state', 'ids'), 'utf8').split('\n').filter(Boolean)).toHaveLength(1);
    b.close();
  });

  it('drops a torn last line left by a crash', () => {
    dir = mkdtempSync(join(tmpdir(), 'ephemera-ids-'));
    const t = 5_000;
    const a = open({ now: () => t });
    a.add('x', t + 1_000);
    a.close();
    appendFileSync(join(dir, 'state', 'ids'), 'abcdef0123');
    const b = open({ now: () => t });
    expect(b.has('x')).toBe(true);
    expect(b.add('y', t + 1_000)).toBe('added');
    b.close();
    expect(open({ now: () => t }).size).toBe(2);
  });

  it('refuses when full of live ids, or evicts the soonest to expire, per policy', () => {
    dir = mkdtempSync(join(tmpdir(), 'ephemera-ids-'));
    let t = 0;
    const refuse = open({ now: () => t, maxEntries: 2 });
    expect(refuse.add('a', 1_000)).toBe('added');
    expect(refuse.add('b', 2_000)).toBe('added');
    expect(refuse.add('c', 3_000)).toBe('full');
    t = 1_500;
    expect(refuse.add('c', 3_000)).toBe('added');
    refuse.close();
    rmSync(join(dir, 'state'), { recursive: true });
    t = 0;
    const evict = open({ now: () => t, maxEntries: 2, whenFull: 'evict-soonest' });
    evict.add('a', 1_000);
    evict.add('b', 2_000);
    expect(evict.add('c', 3_000)).toBe('added');
    expect(evict.has('a')).toBe(false);
    expect(evict.has('b') && evict.has('c')).toBe(true);
    evict.close();
  });

  it('compacts the file as entries expire', () => {
    dir = mkdtempSync(join(tmpdir(), 'ephemera-ids-'));
    let t = 0;
    const f = open({ now: () => t, maxEntries: 10_000, compactFloor: 10 });
    for (let i = 0; i < 50; i++) f.add(`id-${i}`, t + 100);
    t = 200;
    f.sweep();
    f.add('late', t + 100);
    const lines = readFileSync(join(dir, 'state', 'ids'), 'utf8').split('\n').filter(Boolean);
    expect(lines.length).toBeLessThanOrEqual(2);
    f.close();
  });

  it('backs the replay store and the ended-meeting set', () => {
    dir = mkdtempSync(join(tmpdir(), 'ephemera-ids-'));
    const replay = createFileReplayStore({ dataDir: dir, maxEntries: 10 });
    const exp = Math.floor(Date.now() / 1000) + 60;
    // used() looks a jti up without recording it (the admission pre-check): asking twice changes nothing.
    expect(replay.used('jti-1')).toBe(false);
    expect(replay.used('jti-1')).toBe(false);
    expect(replay.claim('jti-1', exp)).toBe(true);
    expect(replay.used('jti-1')).toBe(true);
    expect(replay.claim('jti-1', exp)).toBe(false);
    replay.close();
    const reopened = createFileReplayStore({ dataDir: dir, maxEntries: 10 });
    expect(reopened.used('jti-1')).toBe(true);
    expect(reopened.claim('jti-1', exp)).toBe(false);
    reopened.close();
    const ended = createFileEndedMeetings({ dataDir: dir, maxEntries: 10, ttlMs: 60_000 });
    ended.add('m-1', Date.now());
    ended.close?.();
    expect(createFileEndedMeetings({ dataDir: dir, maxEntries: 10, ttlMs: 60_000 }).has('m-1', Date.now())).toBe(true);
  });
});
