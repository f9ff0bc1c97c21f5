import { appendFileSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Outbox, buildCdr, buildInterimCdr, type CdrLogger } from '../../relay/cdr/index.js';
import { T0, TestMeeting } from './cdr-fixtures.js';

const quiet: CdrLogger = { info() {}, warn() {}, error() {} };

function record(cdrId: string, partialSeq = 0) {
  const m = new TestMeeting({ cdrId, startedAt: T0 });
  m.join('p', 'host', T0);
  return partialSeq > 0 ? buildInterimCdr(m, partialSeq, T0 + 1000) : buildCdr(m, 'host_ended', T0 + 2000);
}

describe('Outbox', () => {
  let dir: string;
  let path: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'cdr-outbox-'));
    path = join(dir, 'outbox.jsonl');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('appends durably, numbers entries, reads them back after re-opening', () => {
    const box = Outbox.open(path, quiet);
    const e1 = box.append(record('a', 1));
    const e2 = box.append(record('a'));
    const e3 = box.append(record('b'));
    expect([e1.n, e2.n, e3.n]).toEqual([1, 2, 3]);
    expect(e1.id).toBe('a:1');
    // On disk before append() returned (the same bytes another process would read).
    expect(readFileSync(path, 'utf8').trim().split('\n')).toHaveLength(3);
    expect(statSync(path).size).toBe(box.size);
    box.close();

    const again = Outbox.open(path, quiet);
    expect(again.count).toBe(3);
    expect(again.lastN).toBe(3);
    expect(again.hasFinal('a')).toBe(true);
    expect(again.hasFinal('b')).toBe(true);
    expect(again.hasFinal('c')).toBe(false);
    const items = again.after(1, 10).map((e) => again.read(e));
    expect(items.map((i) => i.id)).toEqual(['a', 'b']);
    expect(JSON.parse(items[0]!.body)).toEqual(record('a'));
    expect(again.append(record('c')).n).toBe(4);
    again.close();
  });

  it('cuts a torn last line left by a crash and keeps numbering', () => {
    const box = Outbox.open(path, quiet);
    box.append(record('a'));
    box.close();
    appendFileSync(path, '{"n":2,"at":1,"record":{"schema":"ephemera.cdr/1","id":"b","cd');
    const warnings: string[] = [];
    const again = Outbox.open(path, { ...quiet, warn: (_o, msg) => warnings.push(msg ?? '') });
    expect(again.count).toBe(1);
    expect(warnings.join()).toContain('torn');
    expect(readFileSync(path, 'utf8').endsWith('}\n')).toBe(true);
    expect(again.append(record('b')).n).toBe(2);
    again.close();
    expect(Outbox.open(path, quiet).count).toBe(2);
  });

  it('compaction drops acknowledged entries and never reuses a position number', () => {
    const box = Outbox.open(path, quiet);
    for (const id of ['a', 'b', 'c', 'd']) box.append(record(id));
    box.compact(2);
    expect(box.count).toBe(2);
    expect(box.after(0, 10).map((e) => e.id)).toEqual(['c', 'd']);
    expect(box.read(box.after(2, 1)[0]!).id).toBe('c');
    box.compact(4);
    expect(box.count).toBe(0);
    expect(readFileSync(path, 'utf8')).toBe('{"n":4,"compacted":true}\n');
    box.close();
    const again = Outbox.open(path, quiet);
    expect(again.lastN).toBe(4);
    expect(again.append(record('e')).n).toBe(5);
    again.close();
  });

  it('raiseFloor keeps new numbers above what cursors already acknowledged', () => {
    const box = Outbox.open(path, quiet);
    box.raiseFloor(41);
    expect(box.append(record('a')).n).toBe(42);
    box.close();
  });
});
