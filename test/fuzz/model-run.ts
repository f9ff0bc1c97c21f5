/**
 * The stateful, model-based fuzz test of the relay (issue 11, item 3), shared by test/fuzz/model.test.ts (short,
 * in `npm test`) and test/soak/model.soak.test.ts (long, `npm run soak`).
 *
 * fast-check generates sequences of commands (fc.commands, run by fc.asyncModelRun) over three meetings and four
 * participant ids (`h` the host, `a`, `b`, `c` attendees) on one real relay in this process, real sockets:
 * joins (also refused ones: ended, locked, barred), reconnects (replace), leaves, chat to everyone / one / the
 * hosts, bursts of chat from several participants at once, host controls (end, remove, remove+bar, lock,
 * unlock, ask to mute, promote, demote), every client frame kind with random (valid and invalid) fields from attendees, malformed, text and
 * oversize frames, and a frame that makes the relay throw (the test-only fault hook, see RelayTestHooks).
 * A small model predicts each outcome; every command waits for its effect (a delivery, an ERROR, a close).
 *
 * Invariants, checked after each command and at the end of each sequence:
 * - the relay stays up (an exception in this process fails the run; admin /healthz answers after each run) and
 *   every refusal and close is the documented one;
 * - every survivor's chat (reliable lane) arrives exactly once per receiver, in per-sender order;
 * - every ended meeting has exactly one final CDR, whose participants, sessions and chat-lane counts (frames in,
 *   deliveries out) match what the clients did and saw.
 * The seed is printed with every run (and by fast-check on failure with the shrunk counterexample).
 */
import fc from 'fast-check';
import { expect } from 'vitest';
import { encodeChatMessage, encodeEnvelope, Kind, type EnvelopeInit } from '../../protocol/index.js';
import { connect, JoinRefusedError, type EphemeraClient } from '../../client/index.js';
import { startHarness, waitFor, type Harness } from '../helpers/relay-harness.js';
import { readCdrs } from '../helpers/cdr-file.js';

export interface ModelRunOptions {
  readonly transport: 'uws' | 'ws';
  readonly numRuns: number;
  readonly maxCommands: number;
  readonly seed?: number;
}

export interface ModelRunReport {
  readonly transport: string;
  readonly seed: number;
  readonly runs: number;
  readonly commands: number;
  readonly byCommand: Record<string, number>;
  readonly meetingsEnded: number;
  readonly chatsDelivered: number;
  readonly internalErrors: number;
  readonly ms: number;
}

const MAX_FRAME = 4_096;
const FAULT = Buffer.from('MODEL-FUZZ-FAULT');
const PIDS = ['h', 'a', 'b', 'c'] as const;
type Pid = (typeof PIDS)[number];
const MEETINGS = 3;
/** Any single expected effect must happen within this long. */
const EFFECT_MS = 5_000;

/** Kinds an attendee may send with random fields (chat has its own commands: its counts are checked exactly). */
const RANDOM_KINDS = [
  Kind.KIND_UNSPECIFIED, Kind.WELCOME, Kind.ROSTER, Kind.ERROR, Kind.PING, Kind.PONG, Kind.LEAVE, Kind.HOST_CONTROL, Kind.MEETING_ENDED,
  Kind.POLL_OPEN, Kind.POLL_ANSWER, Kind.POLL_CLOSE, Kind.POLL_TALLY, Kind.POLL_RESULTS,
  Kind.DOC_OFFER, Kind.DOC_CHUNK, Kind.DOC_ACK, Kind.DOC_CANCEL, Kind.DOC_RESEND, Kind.DOC_CREDIT,
  Kind.TRACK_PUBLISH, Kind.TRACK_UNPUBLISH, Kind.TRACK_SUBSCRIBE, Kind.TRACK_UNSUBSCRIBE, Kind.MEDIA, Kind.KEYFRAME_REQUEST, Kind.ACTIVE_SPEAKERS,
  9, 11, 99, 1000,
];
/** Close codes a random frame from an attendee may end its own session with. */
const RANDOM_FRAME_CLOSES = new Set([1000, 4000, 4001]);

function faultHook(data: Uint8Array): void {
  if (Buffer.from(data.buffer, data.byteOffset, data.byteLength).includes(FAULT)) throw new Error('fault injected by the model fuzz test');
}

// ---------------------------------------------------------------------------------------------------------------
// Model and real system

interface MMeeting {
  readonly id: string;
  started: boolean;
  ended: boolean;
  locked: boolean;
  readonly barred: Set<Pid>;
  readonly present: Set<Pid>;
  /** Admitted sessions per participant id (what the CDR must list). */
  readonly joins: Map<Pid, number>;
  chatIn: number;
  chatOut: number;
}

interface Model {
  readonly meetings: MMeeting[];
}

interface RClient {
  readonly pid: Pid;
  readonly client: EphemeraClient;
  /** `${from}|${n}` of every chat received. */
  readonly seen: Set<string>;
  /** Last n received per sender: per-sender order. */
  readonly lastFrom: Map<string, number>;
  readonly errors: string[];
  pongs: number;
  closeCode: number | null;
}

interface Real {
  readonly h: Harness;
  readonly clients: Map<string, RClient>;
  /** Per participant id: the number of its next chat (monotonic across sessions and meetings). */
  readonly nextN: Map<Pid, number>;
  readonly violations: string[];
  delivered: number;
  internalErrors: number;
}

const key = (mid: string, pid: string): string => `${mid}/${pid}`;
const roleOf = (pid: Pid): 'host' | 'attendee' => (pid === 'h' ? 'host' : 'attendee');

function observe(real: Real, mid: string, pid: Pid, client: EphemeraClient): RClient {
  const rc: RClient = { pid, client, seen: new Set(), lastFrom: new Map(), errors: [], pongs: 0, closeCode: null };
  client.on('chat', (e) => {
    const [from, nText] = e.text.split('|');
    const n = Number(nText);
    const id = `${from}|${n}`;
    if (rc.seen.has(id)) real.violations.push(`${mid}/${pid} got chat ${id} twice`);
    rc.seen.add(id);
    const last = rc.lastFrom.get(from!) ?? -1;
    if (n <= last) real.violations.push(`${mid}/${pid} got chat ${id} after ${from}|${last}: per-sender order broken`);
    rc.lastFrom.set(from!, n);
    real.delivered++;
  });
  client.on('error', (e) => rc.errors.push(e.code));
  client.on('pong', () => rc.pongs++);
  void client.closed.then((c) => (rc.closeCode = c.code));
  return rc;
}

async function until(cond: () => boolean, what: string): Promise<void> {
  await waitFor(cond, EFFECT_MS, what);
}

function clientOf(real: Real, m: MMeeting, pid: Pid): RClient {
  const rc = real.clients.get(key(m.id, pid));
  if (rc === undefined) throw new Error(`no client for ${m.id}/${pid}`);
  return rc;
}

/** Meetings with somebody present, in a stable order: commands pick one by index, so most commands apply. */
function active(model: Readonly<Model>): MMeeting[] {
  return model.meetings.filter((m) => m.present.size > 0);
}

/** The `mi`-th active meeting and its `sel`-th present participant (sorted), optionally skipping the host. */
function pick(model: Readonly<Model>, mi: number, sel: number, notHost = false): { m: MMeeting; pid: Pid } | null {
  const list = active(model).filter((m) => !notHost || [...m.present].some((p) => p !== 'h'));
  if (list.length === 0) return null;
  const m = list[mi % list.length]!;
  const present = [...m.present].filter((p) => !notHost || p !== 'h').sort();
  return { m, pid: present[sel % present.length]! };
}

/** The model says the session ended (the real socket already closed with `code`). */
async function expectClosed(real: Real, m: MMeeting, pid: Pid, codes: readonly number[], error?: string): Promise<void> {
  const rc = clientOf(real, m, pid);
  await until(() => rc.closeCode !== null, `${m.id}/${pid} to be closed (${codes.join('/')})`);
  expect(codes, `${m.id}/${pid} close code`).toContain(rc.closeCode);
  if (error !== undefined) expect(rc.errors, `${m.id}/${pid} errors`).toContain(error);
  m.present.delete(pid);
  real.clients.delete(key(m.id, pid));
}

/** A PING answered: the session is alive and everything sent before it was handled. */
async function probe(rc: RClient, what: string): Promise<void> {
  const before = rc.pongs;
  rc.client.ping();
  await until(() => rc.pongs > before || rc.closeCode !== null, `PONG for ${what}`);
}

// ---------------------------------------------------------------------------------------------------------------
// Commands

type Cmd = fc.AsyncCommand<Model, Real>;
const counts: Record<string, number> = {};
let executed = 0;
const tally = (name: string): void => {
  executed++;
  counts[name] = (counts[name] ?? 0) + 1;
};

class Join implements Cmd {
  constructor(readonly mi: number, readonly pid: Pid) {}
  check = (): boolean => true;
  async run(model: Model, real: Real): Promise<void> {
    tally('join');
    const m = model.meetings[this.mi]!;
    const present = m.present.has(this.pid);
    const expected = m.ended
      ? 'RELAY_ERR_MEETING_ENDED'
      : m.barred.has(this.pid)
        ? 'RELAY_ERR_BARRED'
        : m.locked && !present && this.pid !== 'h'
          ? 'RELAY_ERR_MEETING_LOCKED'
          : null;
    const token = real.h.token(m.id, this.pid, { role: roleOf(this.pid) });
    let client: EphemeraClient;
    try {
      client = await connect({ url: real.h.relay.url, meetingId: m.id, token, timeoutMs: EFFECT_MS, pingIntervalMs: 0 });
    } catch (err) {
      if (!(err instanceof JoinRefusedError)) throw err;
      expect(err.code, `join ${m.id}/${this.pid}`).toBe(expected);
      expect(err.status).toBe(403);
      return;
    }
    expect(expected, `join ${m.id}/${this.pid} was admitted`).toBeNull();
    if (present) await expectClosed(real, m, this.pid, [4005]);
    real.clients.set(key(m.id, this.pid), observe(real, m.id, this.pid, client));
    m.present.add(this.pid);
    m.started = true;
    m.joins.set(this.pid, (m.joins.get(this.pid) ?? 0) + 1);
  }
  toString = (): string => `join(${this.mi},${this.pid})`;
}

class Leave implements Cmd {
  constructor(readonly mi: number, readonly sel: number) {}
  check = (model: Readonly<Model>): boolean => pick(model, this.mi, this.sel) !== null;
  async run(model: Model, real: Real): Promise<void> {
    tally('leave');
    const { m, pid } = pick(model, this.mi, this.sel)!;
    const rc = clientOf(real, m, pid);
    const ev = await rc.client.leave();
    expect(ev.code).toBe(1000);
    await expectClosed(real, m, pid, [1000]);
  }
  toString = (): string => `leave(${this.mi},${this.sel})`;
}

type ChatTo = { readonly kind: 'everyone' } | { readonly kind: 'hosts' } | { readonly kind: 'one'; readonly to: Pid };

/** Receivers the model expects for a chat, or null when the relay must refuse it (unknown target). */
function chatReceivers(m: MMeeting, from: Pid, to: ChatTo): Pid[] | null {
  const others = [...m.present].filter((p) => p !== from);
  if (to.kind === 'everyone') return others;
  if (to.kind === 'hosts') return others.filter((p) => roleOf(p) === 'host');
  return to.to !== from && m.present.has(to.to) ? [to.to] : null;
}

function sendChat(real: Real, rc: RClient, to: ChatTo): string {
  const n = real.nextN.get(rc.pid) ?? 0;
  real.nextN.set(rc.pid, n + 1);
  const text = `${rc.pid}|${n}`;
  if (to.kind === 'one') rc.client.sendChat(text, { to: to.to });
  else if (to.kind === 'hosts') rc.client.sendChat(text, { hosts: true });
  else rc.client.sendChat(text);
  return text;
}

class Chat implements Cmd {
  constructor(readonly mi: number, readonly sel: number, readonly to: ChatTo) {}
  check = (model: Readonly<Model>): boolean => pick(model, this.mi, this.sel) !== null;
  async run(model: Model, real: Real): Promise<void> {
    tally(`chat:${this.to.kind}`);
    const { m, pid } = pick(model, this.mi, this.sel)!;
    const rc = clientOf(real, m, pid);
    const receivers = chatReceivers(m, pid, this.to);
    const errorsBefore = rc.errors.length;
    const text = sendChat(real, rc, this.to);
    m.chatIn++;
    if (receivers === null) {
      await until(() => rc.errors.slice(errorsBefore).includes('RELAY_ERR_UNKNOWN_TARGET'), `ERROR for chat to an absent participant`);
      return;
    }
    m.chatOut += receivers.length;
    for (const p of receivers) {
      const r = clientOf(real, m, p);
      await until(() => r.seen.has(text), `${m.id}/${p} to receive ${text}`);
    }
    await probe(rc, `chat ${text}`);
  }
  toString = (): string => `chat(${this.mi},${this.sel},${this.to.kind === 'one' ? this.to.to : this.to.kind})`;
}

/** Several participants send several chats each without waiting in between: interleaved, then all awaited. */
class Burst implements Cmd {
  constructor(readonly mi: number, readonly perSender: number) {}
  check = (model: Readonly<Model>): boolean => model.meetings.some((m) => m.present.size >= 2);
  async run(model: Model, real: Real): Promise<void> {
    tally('burst');
    const list = model.meetings.filter((x) => x.present.size >= 2);
    const m = list[this.mi % list.length]!;
    const senders = [...m.present];
    const sent: Array<{ from: Pid; text: string }> = [];
    for (let i = 0; i < this.perSender; i++) {
      for (const from of senders) sent.push({ from, text: sendChat(real, clientOf(real, m, from), { kind: 'everyone' }) });
    }
    for (const { from, text } of sent) {
      m.chatIn++;
      for (const p of senders) {
        if (p === from) continue;
        m.chatOut++;
        const r = clientOf(real, m, p);
        await until(() => r.seen.has(text), `${m.id}/${p} to receive ${text} (burst)`);
      }
    }
  }
  toString = (): string => `burst(${this.mi},${this.perSender})`;
}

type BadFrame = 'malformed' | 'text' | 'too_large' | 'relay_kind' | 'attendee_end' | 'fault';

class Bad implements Cmd {
  constructor(readonly mi: number, readonly sel: number, readonly what: BadFrame) {}
  check = (model: Readonly<Model>): boolean => pick(model, this.mi, this.sel, this.what === 'attendee_end') !== null;
  async run(model: Model, real: Real): Promise<void> {
    tally(`bad:${this.what}`);
    const { m, pid } = pick(model, this.mi, this.sel, this.what === 'attendee_end')!;
    const rc = clientOf(real, m, pid);
    const errorsBefore = rc.errors.length;
    switch (this.what) {
      case 'malformed':
        rc.client.sendRaw(Uint8Array.of(0xff, 0xff, 0xff, 0xff));
        return expectClosed(real, m, pid, [4000], 'RELAY_ERR_MALFORMED_FRAME');
      case 'text':
        (rc.client.socket as unknown as { send(s: string): void }).send('not a binary frame');
        return expectClosed(real, m, pid, [4000], 'RELAY_ERR_MALFORMED_FRAME');
      case 'too_large':
        rc.client.sendRaw(encodeEnvelope({ kind: Kind.CHAT, payload: new Uint8Array(MAX_FRAME + 1) }));
        return expectClosed(real, m, pid, [4001], 'RELAY_ERR_FRAME_TOO_LARGE');
      case 'fault':
        // The test-only hook throws before the frame is routed: not counted on the chat lane.
        rc.client.sendRaw(encodeEnvelope({ kind: Kind.CHAT, payload: encodeChatMessage({ text: FAULT.toString() }) }));
        real.internalErrors++;
        return expectClosed(real, m, pid, [4009], 'RELAY_ERR_INTERNAL');
      case 'relay_kind':
        rc.client.sendRaw(encodeEnvelope({ kind: Kind.WELCOME, ref: 7 }));
        await until(() => rc.errors.slice(errorsBefore).includes('RELAY_ERR_UNKNOWN_KIND'), 'ERROR for a relay-only kind');
        return probe(rc, 'relay kind');
      case 'attendee_end':
        rc.client.endMeeting();
        await until(() => rc.errors.slice(errorsBefore).includes('RELAY_ERR_NOT_PERMITTED'), 'ERROR for an attendee ending the meeting');
        return probe(rc, 'attendee end');
    }
  }
  toString = (): string => `bad(${this.mi},${this.sel},${this.what})`;
}

/** Any client kind with random fields, from an attendee: the session stays (PONG) or ends with a documented code. */
class RandomFrame implements Cmd {
  constructor(readonly mi: number, readonly sel: number, readonly env: EnvelopeInit) {}
  check = (model: Readonly<Model>): boolean => pick(model, this.mi, this.sel, true) !== null;
  async run(model: Model, real: Real): Promise<void> {
    tally('random');
    const { m, pid } = pick(model, this.mi, this.sel, true)!;
    const rc = clientOf(real, m, pid);
    let bytes: Uint8Array;
    try {
      bytes = encodeEnvelope(this.env);
    } catch {
      return;
    }
    if (bytes.byteLength > MAX_FRAME) return;
    rc.client.sendRaw(bytes);
    await probe(rc, `random kind ${String(this.env.kind)}`);
    if (rc.closeCode !== null) {
      expect(RANDOM_FRAME_CLOSES.has(rc.closeCode), `close ${rc.closeCode} after a random frame`).toBe(true);
      await expectClosed(real, m, pid, [...RANDOM_FRAME_CLOSES]);
    }
  }
  toString = (): string => `random(${this.mi},${this.sel},${JSON.stringify(this.env, (_k, v: unknown) => (v instanceof Uint8Array ? `bytes(${v.length})` : v))})`;
}

type HostAct = 'end' | 'remove' | 'remove_bar' | 'lock' | 'unlock' | 'mute' | 'promote' | 'demote';

/** Host actions that name a present participant other than the host. */
const TARGETED: ReadonlySet<HostAct> = new Set<HostAct>(['remove', 'remove_bar', 'mute', 'promote', 'demote']);

/** The host (present) ends `m`: everyone present is closed with 4007. */
async function endMeeting(real: Real, m: MMeeting): Promise<void> {
  clientOf(real, m, 'h').client.endMeeting();
  for (const p of [...m.present]) await expectClosed(real, m, p, [4007]);
  m.ended = true;
}

class Host implements Cmd {
  constructor(readonly mi: number, readonly act: HostAct, readonly target: Pid) {}
  private meeting(model: Readonly<Model>): MMeeting | null {
    const list = model.meetings.filter(
      (m) => m.present.has('h') && (!TARGETED.has(this.act) || (this.target !== 'h' && m.present.has(this.target))),
    );
    return list.length === 0 ? null : list[this.mi % list.length]!;
  }
  check = (model: Readonly<Model>): boolean => this.meeting(model) !== null;
  async run(model: Model, real: Real): Promise<void> {
    tally(`host:${this.act}`);
    const m = this.meeting(model)!;
    const host = clientOf(real, m, 'h');
    switch (this.act) {
      case 'end':
        return endMeeting(real, m);
      case 'remove':
      case 'remove_bar':
        host.client.remove(this.target, { bar: this.act === 'remove_bar' });
        if (this.act === 'remove_bar') m.barred.add(this.target);
        return expectClosed(real, m, this.target, [4006], 'RELAY_ERR_REMOVED');
      case 'lock':
      case 'unlock':
        if (this.act === 'lock') host.client.lock();
        else host.client.unlock();
        m.locked = this.act === 'lock';
        return probe(host, this.act);
      case 'mute':
      case 'promote':
      case 'demote': {
        // Announced to everyone; the target stays (a promoted attendee is a presenter: still not a host).
        if (this.act === 'mute') host.client.askMute(this.target);
        else if (this.act === 'promote') host.client.promote(this.target);
        else host.client.demote(this.target);
        await probe(host, this.act);
        return probe(clientOf(real, m, this.target), `${this.act} target`);
      }
    }
  }
  toString = (): string => `host(${this.mi},${this.act}${TARGETED.has(this.act) ? ',' + this.target : ''})`;
}

// ---------------------------------------------------------------------------------------------------------------
// Arbitraries

const mi = fc.integer({ min: 0, max: MEETINGS - 1 });
/** Which present participant (an index, resolved against the model when the command runs). */
const sel = fc.nat({ max: 7 });
const pid = fc.constantFrom<Pid>(...PIDS);
const bytes = fc.uint8Array({ maxLength: 64 });
const text = fc.string({ maxLength: 24 });
const u32 = fc.nat({ max: 0xffffffff });

const opt = <T>(a: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> => fc.option(a, { nil: undefined, freq: 2 });
const big = fc.oneof(fc.integer({ min: 0, max: 1 << 20 }), fc.constant(Number.MAX_SAFE_INTEGER));
const pollId = fc.oneof(text, fc.constantFrom('p1', 'p2'));
const transferId = fc.oneof(text, fc.constantFrom('t1', 't2'));
/** One body of the Envelope oneof, with random (valid and invalid) fields; or none. */
const body: fc.Arbitrary<Record<string, unknown>> = fc.oneof(
  fc.constant({}),
  fc.record({ leave: fc.record({ reason: opt(text) }) }),
  fc.record({ hostControl: fc.record({ action: opt(fc.integer({ min: 0, max: 9 })), target: opt(fc.oneof(text, pid)), bar: opt(fc.boolean()), track: opt(u32) }) }),
  fc.record({ pollOpen: fc.record({ pollId: opt(pollId), optionCounts: opt(fc.array(fc.nat({ max: 40 }), { maxLength: 4 })), anonymous: opt(fc.boolean()), multipleChoice: opt(fc.boolean()) }) }),
  fc.record({ pollAnswer: fc.record({ pollId: opt(pollId), choices: opt(fc.array(fc.record({ question: opt(fc.nat({ max: 5 })), options: opt(fc.array(fc.nat({ max: 45 }), { maxLength: 4 })) }), { maxLength: 4 })) }) }),
  fc.record({ pollClose: fc.record({ pollId: opt(pollId) }) }),
  fc.record({ docOffer: fc.record({ transferId: opt(transferId), size: opt(big), sha256: opt(fc.uint8Array({ maxLength: 40 })), chunkSize: opt(fc.nat({ max: 8192 })) }) }),
  fc.record({ docChunk: fc.record({ transferId: opt(transferId), offset: opt(big), last: opt(fc.boolean()) }) }),
  fc.record({ docAck: fc.record({ transferId: opt(transferId), received: opt(big) }) }),
  fc.record({ docCancel: fc.record({ transferId: opt(transferId), reason: opt(text), participant: opt(fc.oneof(text, pid)) }) }),
  fc.record({ docResend: fc.record({ transferId: opt(transferId) }) }),
  fc.record({ trackInfo: fc.record({ id: opt(fc.nat({ max: 5 })), source: opt(fc.nat({ max: 4 })), codec: opt(text), publisher: opt(fc.oneof(text, pid)) }) }),
  fc.record({ subscription: fc.record({ publisher: opt(fc.oneof(text, pid)), track: opt(fc.nat({ max: 5 })) }) }),
);
const randomEnvelope: fc.Arbitrary<EnvelopeInit> = fc
  .tuple(
    fc.record({
      kind: fc.constantFrom(...RANDOM_KINDS),
      ref: opt(u32),
      seq: opt(u32),
      from: opt(text),
      to: opt(fc.oneof(text, pid)),
      audience: opt(fc.nat({ max: 3 })),
      track: opt(fc.nat({ max: 5 })),
      keyframe: opt(fc.boolean()),
      timestamp: opt(u32),
      audioLevel: opt(fc.nat({ max: 200 })),
      payload: opt(bytes),
    }),
    body,
  )
  .map(([head, b]) => {
    const env: Record<string, unknown> = { ...b };
    for (const [k, v] of Object.entries(head)) if (v !== undefined) env[k] = v;
    for (const v of Object.values(b)) if (typeof v === 'object' && v !== null) for (const [k, x] of Object.entries(v)) if (x === undefined) delete (v as Record<string, unknown>)[k];
    return env as unknown as EnvelopeInit;
  });

const chatTo: fc.Arbitrary<ChatTo> = fc.oneof(
  { weight: 3, arbitrary: fc.constant<ChatTo>({ kind: 'everyone' }) },
  { weight: 1, arbitrary: fc.constant<ChatTo>({ kind: 'hosts' }) },
  { weight: 2, arbitrary: pid.map((to): ChatTo => ({ kind: 'one', to })) },
);

const commands: Array<fc.Arbitrary<Cmd>> = [
  fc.tuple(mi, pid).map(([m, p]) => new Join(m, p)),
  fc.tuple(mi, pid).map(([m, p]) => new Join(m, p)),
  fc.tuple(mi, pid).map(([m, p]) => new Join(m, p)),
  fc.tuple(mi, sel).map(([m, p]) => new Leave(m, p)),
  fc.tuple(mi, sel, chatTo).map(([m, p, t]) => new Chat(m, p, t)),
  fc.tuple(mi, sel, chatTo).map(([m, p, t]) => new Chat(m, p, t)),
  fc.tuple(mi, fc.integer({ min: 1, max: 5 })).map(([m, n]) => new Burst(m, n)),
  fc.tuple(mi, sel, fc.constantFrom<BadFrame>('malformed', 'text', 'too_large', 'relay_kind', 'attendee_end', 'fault')).map(([m, p, w]) => new Bad(m, p, w)),
  fc.tuple(mi, sel, randomEnvelope).map(([m, p, e]) => new RandomFrame(m, p, e)),
  fc.tuple(mi, sel, randomEnvelope).map(([m, p, e]) => new RandomFrame(m, p, e)),
  fc.tuple(mi, fc.constantFrom<HostAct>('end', 'remove', 'remove_bar', 'lock', 'unlock', 'mute', 'promote', 'demote'), pid).map(([m, a, t]) => new Host(m, a, t)),
  fc.tuple(mi, fc.constantFrom<HostAct>('remove', 'mute', 'promote', 'demote'), pid).map(([m, a, t]) => new Host(m, a, t)),
];

// ---------------------------------------------------------------------------------------------------------------
// One sequence's end: every meeting ended by its host, then the CDR invariants

async function finish(model: Model, real: Real): Promise<number> {
  let ended = 0;
  for (const m of model.meetings) {
    if (m.started && !m.ended) {
      if (!m.present.has('h')) await new Join(model.meetings.indexOf(m), 'h').run(model, real);
      if (!m.present.has('h')) throw new Error(`the host could not join ${m.id} to end it`);
      await endMeeting(real, m);
    }
  }
  expect(real.violations).toEqual([]);
  for (const m of model.meetings) {
    if (!m.started) {
      expect(readCdrs(real.h.dataDir).filter((r) => r.meetingId === m.id), `CDR of never-started ${m.id}`).toEqual([]);
      continue;
    }
    ended++;
    await waitFor(() => readCdrs(real.h.dataDir).some((r) => r.meetingId === m.id && !r.partial), EFFECT_MS, `final CDR of ${m.id}`);
    const finals = readCdrs(real.h.dataDir).filter((r) => r.meetingId === m.id && !r.partial);
    expect(finals, `final CDRs of ${m.id}`).toHaveLength(1);
    const cdr = finals[0]!;
    expect(cdr.endReason).toBe('host_ended');
    const sessions = Object.fromEntries(cdr.participants.map((p) => [p.id, p.sessions.length]));
    expect(sessions, `sessions of ${m.id}`).toEqual(Object.fromEntries(m.joins));
    expect(cdr.participants.every((p) => p.sessions.every((s) => s.leftAt !== null))).toBe(true);
    expect(cdr.lanes.chat!.framesIn, `chat frames in of ${m.id}`).toBe(m.chatIn);
    expect(cdr.lanes.chat!.framesOut, `chat deliveries of ${m.id}`).toBe(m.chatOut);
  }
  const health = await fetch(`http://127.0.0.1:${real.h.relay.adminPort}/healthz`);
  expect(health.status).toBe(200);
  return ended;
}

// ---------------------------------------------------------------------------------------------------------------

let runCounter = 0;

/** Runs the model-based fuzz on one transport; throws (with fast-check's seed and counterexample) on failure. */
export async function runModelFuzz(o: ModelRunOptions): Promise<ModelRunReport> {
  const h = await startHarness(
    o.transport,
    { maxFrameBytes: MAX_FRAME, maxFramesPerSecond: 100_000, frameBurst: 100_000, idleTimeoutMs: 600_000, emptyTimeoutMs: 600_000, maxConnectionsPerIp: 100_000, handshakesPerIpPerSecond: 100_000 },
    { frameFaultHook: faultHook },
  );
  const seed = o.seed ?? (Date.now() ^ (Math.random() * 0x7fffffff)) | 0;
  for (const k of Object.keys(counts)) delete counts[k];
  executed = 0;
  let meetingsEnded = 0;
  let delivered = 0;
  let internalErrors = 0;
  let runs = 0;
  const t0 = Date.now();
  try {
    await fc.assert(
      fc.asyncProperty(fc.commands(commands, { maxCommands: o.maxCommands, size: 'max' }), async (cmds) => {
        const run = ++runCounter;
        const model: Model = {
          meetings: Array.from({ length: MEETINGS }, (_, i): MMeeting => ({
            id: `model-${process.pid}-${run}-${i}`, started: false, ended: false, locked: false,
            barred: new Set(), present: new Set(), joins: new Map(), chatIn: 0, chatOut: 0,
          })),
        };
        const real: Real = { h, clients: new Map(), nextN: new Map(), violations: [], delivered: 0, internalErrors: 0 };
        try {
          await fc.asyncModelRun(() => ({ model, real }), cmds);
          meetingsEnded += await finish(model, real);
          delivered += real.delivered;
          internalErrors += real.internalErrors;
          runs++;
        } finally {
          for (const rc of real.clients.values()) rc.client.close();
        }
      }),
      { numRuns: o.numRuns, seed },
    );
  } catch (err) {
    // fast-check's message names the seed and the shrunk command list; say which transport too.
    const cause = (err as Error).cause;
    const why = cause instanceof Error ? `\ncaused by: ${cause.stack ?? cause.message}` : '';
    throw new Error(`model fuzz over ${o.transport} failed (seed ${seed}; replay with MODEL_FUZZ_SEED=${seed}):\n${(err as Error).message}${why}`);
  } finally {
    await h.close();
  }
  return {
    transport: o.transport, seed, runs, commands: executed, byCommand: { ...counts }, meetingsEnded, chatsDelivered: delivered,
    internalErrors, ms: Date.now() - t0,
  };
}

/** One line for the test output. */
export function describeModelRun(r: ModelRunReport): string {
  return (
    `model fuzz over ${r.transport}: seed ${r.seed}, ${r.runs} sequences, ${r.commands} commands in ${(r.ms / 1000).toFixed(1)} s; ` +
    `${r.meetingsEnded} meetings ended with one CDR each, ${r.chatsDelivered} chats delivered in order, ${r.internalErrors} injected faults survived; ` +
    `commands ${JSON.stringify(r.byCommand)}`
  );
}

