/**
 * A load-generator worker thread: hosts whole meetings (every client of a meeting lives here, so send and receive
 * times are read on one clock), sends on an open-loop schedule, and records latency into an HdrHistogram with
 * coordinated-omission correction. Driven by the main thread through WorkerRequest messages.
 */
import { parentPort } from 'node:worker_threads';
import { build, encodeIntoCompressedBase64, type Histogram } from 'hdr-histogram-js';
import { nowUs } from '../lib/proc-stats.js';
import { adapterFor, type Adapter, type BenchClient, type ClientHandlers, type ClientSpec, type Lane, type OutFrame } from './adapters/index.js';
import { runWebinarStep } from './webinar-step.js';
import type { JoinResult, JoinRun, MeetingPlan, OpenResult, TrafficResult, TrafficRun, WorkerReply, WorkerRequest } from './load.types.js';

interface Member {
  client: BenchClient;
  participantId: string;
  sender: boolean;
  senderIndex: number;
  /** Deliveries a frame of this member owes: the other members that joined. */
  fanout: number;
  frame: OutFrame | null;
  /** Payload size `frame` was built for. */
  frameBytes: number;
}

if (!parentPort) throw new Error('bench/load/worker.ts must run in a worker thread');
const port = parentPort;

let adapter: Adapter | null = null;
let workerIndex = 0;
let sourceAddresses = 1;
let connectConcurrency = 64;
let clientCounter = 0;
let senderCounter = 0;
let meetings: Member[][] = [];
let senders: Member[] = [];

// Receive-side state of the traffic run in progress: only frames sent inside [winFrom, winTo) count.
let winFrom = Infinity;
let winTo = -Infinity;
let intervalUs = 1;
let received = 0;
let closedDuringRun = 0;
let hist: Histogram = newHistogram();

function newHistogram(): Histogram {
  return build({ lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: 3 });
}

function onPayload(data: Buffer, offset: number): void {
  const sentAt = data.readDoubleLE(offset);
  if (sentAt < winFrom || sentAt >= winTo) return;
  received++;
  const latency = nowUs() - sentAt;
  hist.recordValueWithExpectedInterval(latency < 1 ? 1 : latency, intervalUs);
}

const memberHandlers: ClientHandlers = {
  onPayload,
  onClose: () => {
    closedDuringRun++;
  },
};

function nextSpec(meetingId: string, sender: boolean, lane: Lane): ClientSpec {
  const n = clientCounter++;
  return {
    meetingId,
    participantId: `w${workerIndex}-p${n}`,
    localAddress: `127.0.0.${1 + (n % sourceAddresses)}`,
    sender,
    lane,
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function sleepUntilUs(t: number): Promise<void> {
  const ms = (t - nowUs()) / 1000;
  if (ms > 0) await sleep(ms);
}

/** Runs `tasks` with at most `limit` in flight. */
async function pool(count: number, limit: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, count) }, async () => {
    while (next < count) await task(next++);
  });
  await Promise.all(lanes);
}

async function openMeetings(plans: MeetingPlan[]): Promise<OpenResult> {
  const a = adapter;
  if (!a) throw new Error('worker not initialised');
  const started = Date.now();
  const jobs: { plan: MeetingPlan; members: (Member | null)[]; index: number }[] = [];
  const all: (Member | null)[][] = [];
  for (const plan of plans) {
    const members: (Member | null)[] = new Array<Member | null>(plan.size).fill(null);
    all.push(members);
    for (let i = 0; i < plan.size; i++) jobs.push({ plan, members, index: i });
  }
  let failed = 0;
  let firstError: string | undefined;
  await pool(jobs.length, connectConcurrency, async (j) => {
    const job = jobs[j]!;
    const sender = job.index < job.plan.senders;
    const spec = nextSpec(job.plan.id, sender, job.plan.lane);
    try {
      const client = await a.open(spec, memberHandlers);
      job.members[job.index] = { client, participantId: spec.participantId, sender, senderIndex: sender ? senderCounter++ : -1, fanout: 0, frame: null, frameBytes: 0 };
    } catch (err) {
      failed++;
      firstError ??= (err as Error).message;
    }
  });
  let opened = 0;
  for (const list of all) {
    const members = list.filter((m): m is Member => m !== null);
    opened += members.length;
    for (const m of members) m.fanout = members.length - 1;
    meetings.push(members);
  }
  // Media set-up where the wire has it: every publisher publishes, then everyone subscribes to the others.
  for (const members of meetings.slice(meetings.length - all.length)) {
    const publishers = members.filter((m) => m.sender);
    try {
      await Promise.all(publishers.map((m) => m.client.startPublishing?.()));
      await pool(members.length, connectConcurrency, async (i) => {
        const m = members[i]!;
        await m.client.subscribeTo?.(publishers.filter((p) => p !== m).map((p) => p.participantId));
      });
    } catch (err) {
      failed += members.length;
      firstError ??= `media set-up: ${(err as Error).message}`;
    }
  }
  senders = meetings.flatMap((members) => members.filter((m) => m.sender));
  return { opened, failed, ...(firstError === undefined ? {} : { firstError }), elapsedMs: Date.now() - started };
}

/**
 * The spread send order: the first sender of every meeting, then the second of every meeting, and so on. Send
 * events are evenly spaced in this order, so each meeting's frames spread over the whole send interval, as
 * independent participants' frames would. The default order (meeting by meeting) sends a meeting's frames close
 * together, which lets servers batch writes per recipient, as the peer figures in shared/PERFORMANCE.md were taken.
 */
function interleavedSenders(all: Member[][]): Member[] {
  const perMeeting = all.map((members) => members.filter((m) => m.sender));
  const out: Member[] = [];
  const most = Math.max(0, ...perMeeting.map((p) => p.length));
  for (let k = 0; k < most; k++) for (const p of perMeeting) if (k < p.length) out.push(p[k]!);
  return out;
}

async function runTraffic(run: TrafficRun): Promise<TrafficResult> {
  for (const s of senders) {
    if (s.frame === null || s.frameBytes !== run.payloadBytes) {
      s.frame = s.client.makeFrame(run.payloadBytes, s.senderIndex);
      s.frameBytes = run.payloadBytes;
    }
  }
  hist = newHistogram();
  received = 0;
  closedDuringRun = 0;
  intervalUs = 1e6 / run.ratePerSender;
  winFrom = run.measureFromUs;
  winTo = run.measureToUs;
  let sent = 0;
  let expected = 0;
  let maxLag = 0;
  const order = run.spread ? interleavedSenders(meetings) : senders;
  const n = order.length;
  const burst = run.burst;
  if (n > 0) {
    // Send events are spread evenly: event e (sender e % n) is due at startAt + e * spacing.
    const spacing = intervalUs / n;
    const lastEvent = Math.ceil((run.measureToUs - run.startAtUs) / spacing);
    let e = 0;
    await sleepUntilUs(run.startAtUs);
    await new Promise<void>((resolve) => {
      const tick = (): void => {
        const now = nowUs();
        let due = Math.floor((now - run.startAtUs) / spacing) + 1;
        if (due > lastEvent) due = lastEvent;
        if (e < due) {
          // Only lag inside the window matters: warm-up may stumble without spoiling the measurement.
          const scheduled = run.startAtUs + e * spacing;
          if (scheduled >= run.measureFromUs && now - scheduled > maxLag) maxLag = now - scheduled;
        }
        while (e < due) {
          const s = order[e % n]!;
          const frame = s.frame!;
          for (let b = 0; b < burst; b++) {
            const t = nowUs();
            frame.bytes.writeDoubleLE(t, frame.payloadOffset);
            s.client.send(frame);
            if (t >= winFrom && t < winTo) {
              sent++;
              expected += s.fanout;
            }
          }
          e++;
        }
        if (e >= lastEvent) resolve();
        else setTimeout(tick, 1);
      };
      tick();
    });
  } else {
    await sleepUntilUs(run.measureToUs);
  }
  const drainUntil = Date.now() + run.drainMs;
  while (received < expected && Date.now() < drainUntil) await sleep(5);
  const result: TrafficResult = {
    sent,
    expected,
    received,
    histogram: encodeIntoCompressedBase64(hist),
    maxSendLagMs: maxLag / 1000,
    closedDuringRun,
  };
  winFrom = Infinity;
  winTo = -Infinity;
  return result;
}

async function runJoins(run: JoinRun): Promise<JoinResult> {
  const a = adapter;
  if (!a) throw new Error('worker not initialised');
  const spacing = 1e6 / run.ratePerSec;
  const lastEvent = Math.ceil((run.measureToUs - run.startAtUs) / spacing);
  const specs: ClientSpec[] = [];
  for (let e = 0; e < lastEvent; e++) specs.push(nextSpec(`${run.meetingPrefix}-${Math.floor(e / run.meetingSize)}`, false, 'reliable'));
  // Credentials (Ephemera tokens) are made before the clock starts: the step measures joins, not minting.
  if (a.prepare) {
    const prepare = a.prepare.bind(a);
    await pool(specs.length, 16, (i) => prepare(specs[i]!));
  }
  const joinHist = newHistogram();
  const clients: BenchClient[] = [];
  const noop = (): void => {};
  const handlers: ClientHandlers = { onPayload: noop, onClose: noop };
  let attempted = 0;
  let joined = 0;
  let pending = 0;
  let firstError: string | undefined;
  let finished = false;
  let maxLag = 0;
  let e = 0;
  await sleepUntilUs(run.startAtUs);
  await new Promise<void>((resolve) => {
    const tick = (): void => {
      const now = nowUs();
      let due = Math.floor((now - run.startAtUs) / spacing) + 1;
      if (due > lastEvent) due = lastEvent;
      if (e < due) {
        const scheduled = run.startAtUs + e * spacing;
        if (scheduled >= run.measureFromUs && now - scheduled > maxLag) maxLag = now - scheduled;
      }
      while (e < due) {
        const scheduled = run.startAtUs + e * spacing;
        const counted = scheduled >= run.measureFromUs;
        if (counted) attempted++;
        pending++;
        a.open(specs[e]!, handlers).then(
          (client) => {
            pending--;
            if (finished) {
              client.close();
              return;
            }
            clients.push(client);
            if (counted) {
              joined++;
              joinHist.recordValue(Math.max(1, nowUs() - scheduled));
            }
          },
          (err: Error) => {
            pending--;
            if (finished || !counted) return;
            firstError ??= err.message;
          },
        );
        e++;
      }
      if (e >= lastEvent) resolve();
      else setTimeout(tick, 1);
    };
    tick();
  });
  const drainUntil = Date.now() + run.drainMs;
  while (pending > 0 && Date.now() < drainUntil) await sleep(5);
  finished = true;
  const result: JoinResult = {
    attempted,
    joined,
    // Joins still pending after the drain count as failed: they did not make it in time.
    failed: attempted - joined,
    ...(firstError === undefined ? {} : { firstError }),
    histogram: encodeIntoCompressedBase64(joinHist),
    maxSendLagMs: maxLag / 1000,
  };
  for (const c of clients) c.close();
  return result;
}

function closeClients(): void {
  for (const list of meetings) for (const m of list) m.client.close();
  meetings = [];
  senders = [];
}

async function handle(req: WorkerRequest): Promise<WorkerReply> {
  switch (req.op) {
    case 'init':
      closeClients();
      adapter?.close();
      adapter = null;
      workerIndex = req.workerIndex;
      sourceAddresses = Math.max(1, req.sourceAddresses);
      connectConcurrency = Math.max(1, req.connectConcurrency);
      adapter = await adapterFor(req.endpoint);
      return { id: req.id, ok: true, op: 'init' };
    case 'open':
      return { id: req.id, ok: true, op: 'open', result: await openMeetings(req.meetings) };
    case 'traffic':
      return { id: req.id, ok: true, op: 'traffic', result: await runTraffic(req.run) };
    case 'joins':
      return { id: req.id, ok: true, op: 'joins', result: await runJoins(req.run) };
    case 'webinar': {
      if (!adapter) throw new Error('worker not initialised');
      const base = clientCounter;
      clientCounter += req.run.attendees + req.run.observers + 3;
      const result = await runWebinarStep(adapter, req.run, (n) => `127.0.0.${1 + ((base + n) % sourceAddresses)}`);
      return { id: req.id, ok: true, op: 'webinar', result };
    }
    case 'close-clients':
      closeClients();
      return { id: req.id, ok: true, op: 'close-clients' };
    case 'shutdown':
      closeClients();
      adapter?.close();
      adapter = null;
      // Closing the port lets the thread end on its own (so --cpu-prof can write its profile).
      setImmediate(() => port.close());
      return { id: req.id, ok: true, op: 'shutdown' };
  }
}

port.on('message', (req: WorkerRequest) => {
  handle(req).then(
    (reply) => port.postMessage(reply),
    (err: Error) => port.postMessage({ id: req.id, ok: false, error: err.message } satisfies WorkerReply),
  );
});
