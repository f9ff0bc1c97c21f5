/** The bench's command-line flags, validated once into frozen options. */
import { SCENARIO_NAMES } from '../scenarios/scenarios.js';
import { SERVER_NAMES, type ServerName } from '../servers/server.types.js';

export interface BenchOptions {
  /** Few short steps: the whole run stays under 3 minutes. */
  quick: boolean;
  scenarios: readonly string[];
  servers: readonly ServerName[];
  /** Seconds of the measurement window of every step (default 5, quick 0.5). */
  durationS: number;
  /** Seconds of warm-up before each window (default 2, quick 0.25). */
  warmupS: number;
  /** Load-generator worker threads (default 1: they all share the one load core). */
  workers: number;
  /** Repeats of a failing step before the step-up stops (default 1, quick 0): the machine is noisy. */
  retries: number;
  /** A step passes when p99 is under this many milliseconds and nothing is lost (default 10). */
  p99LimitMs: number;
  /** Ephemera audio/video scenarios as MEDIA on subscribed tracks (default); false sends them as CHAT. */
  media: boolean;
  /** Interleave senders across meetings instead of meeting by meeting (default false). */
  spread: boolean;
  /** Run bench/invite's invite-service figures too (default: when no --scenarios/--servers subset is asked for). */
  invite: boolean;
  /** webinar-join: attendees per step (default: the scenario's, 10,000; quick 1,000). */
  joinCount: number | undefined;
  /**
   * Keep, from bench/results/latest.json, the figures of every scenario and server this run does not measure
   * (each marked with the run it came from); ratios and targets only compare figures of one run.
   */
  merge: boolean;
  help: boolean;
}

export const USAGE = `usage: npm run bench -- [options]

  --quick                 few short steps, whole run under 3 minutes
  --scenarios a,b         subset of: ${SCENARIO_NAMES.join(', ')}
  --servers x,y           subset of: ${SERVER_NAMES.join(', ')}
  --duration S            measurement window per step in seconds (default 5, quick 0.5)
  --warmup S              warm-up before each window in seconds (default 2, quick 0.25)
  --workers N             load-generator worker threads on the load core (default 1)
  --retries N             repeats of a failing step (default 1, quick 0)
  --p99-limit MS          pass threshold for p99 latency (default 10)
  --spread                spread each meeting's frames over the send interval (default: a meeting's senders
                          fire one after another, which lets servers batch writes per recipient)
  --no-media              Ephemera audio/video scenarios as CHAT instead of MEDIA on subscribed tracks
  --join-count N          webinar-join: attendees joining per step (default 10000, quick 1000)
  --invite / --no-invite  include the invite-service figures of bench/invite (default: only on a run of
                          every scenario and server)
  --merge                 keep latest.json's figures of the scenarios and servers this run does not measure
                          (marked with their run's date; ratios and targets compare only figures of one run)
`;

function list<T extends string>(raw: string, allowed: readonly T[], what: string): T[] {
  const items = raw.split(',').map((s) => s.trim()).filter(Boolean);
  for (const item of items) if (!(allowed as readonly string[]).includes(item)) throw new Error(`--${what}: unknown '${item}' (one of ${allowed.join(', ')})`);
  if (items.length === 0) throw new Error(`--${what}: empty list`);
  return items as T[];
}

function positive(raw: string | undefined, flag: string, integer: boolean): number {
  const n = Number(raw);
  if (raw === undefined || !Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) throw new Error(`${flag} needs a positive ${integer ? 'integer' : 'number'}, got ${String(raw)}`);
  return n;
}

export function parseArgs(argv: readonly string[]): BenchOptions {
  let quick = false;
  let scenarios: readonly string[] = SCENARIO_NAMES;
  let servers: readonly ServerName[] = SERVER_NAMES;
  let durationS: number | undefined;
  let warmupS: number | undefined;
  let workers = 1;
  let retries: number | undefined;
  let p99LimitMs = 10;
  let media = true;
  let spread = false;
  let invite: boolean | undefined;
  let subset = false;
  let help = false;
  let joinCount: number | undefined;
  let merge = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const [flag, inline] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case '--quick':
        quick = true;
        break;
      case '--scenarios':
        scenarios = list(value(), SCENARIO_NAMES, 'scenarios');
        subset = true;
        break;
      case '--servers':
        servers = list(value(), SERVER_NAMES, 'servers');
        subset = true;
        break;
      case '--duration':
        durationS = positive(value(), flag, false);
        break;
      case '--warmup':
        warmupS = positive(value(), flag, false);
        break;
      case '--workers':
        workers = positive(value(), flag, true);
        if (workers > 16) throw new Error('--workers: at most 16');
        break;
      case '--retries': {
        const v = value();
        retries = v === '0' ? 0 : positive(v, flag, true);
        break;
      }
      case '--p99-limit':
        p99LimitMs = positive(value(), flag, false);
        break;
      case '--media':
        media = true;
        break;
      case '--spread':
        spread = true;
        break;
      case '--no-media':
        media = false;
        break;
      case '--join-count':
        joinCount = positive(value(), flag, true);
        break;
      case '--merge':
        merge = true;
        break;
      case '--invite':
        invite = true;
        break;
      case '--no-invite':
        invite = false;
        break;
      case '--help':
      case '-h':
        help = true;
        break;
      default:
        throw new Error(`unknown option ${arg}\n\n${USAGE}`);
    }
  }
  return Object.freeze({
    quick,
    scenarios: Object.freeze([...scenarios]),
    servers: Object.freeze([...servers]),
    durationS: durationS ?? (quick ? 0.5 : 5),
    warmupS: warmupS ?? (quick ? 0.25 : 2),
    workers,
    retries: retries ?? (quick ? 0 : 1),
    p99LimitMs,
    media,
    spread,
    invite: invite ?? !subset,
    joinCount,
    merge,
    help,
  });
}
