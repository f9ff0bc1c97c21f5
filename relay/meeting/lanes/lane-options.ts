/**
 * Limits and timings of the poll and document lanes, with documented defaults, validated once and frozen.
 * A meeting takes them from MeetingContext.lanes (absent: the defaults) and the relay options.
 */
import { RelayConfigError, type RelayOptions } from '../../config/relay-options.js';

export interface LaneOptions {
  /** Tally updates to a poll's owner at most this often (ms). Default 250. */
  readonly pollTallyIntervalMs: number;
  /** Polls a meeting keeps (open and closed; the oldest closed one is forgotten first). Default 100. */
  readonly maxPollsPerMeeting: number;
  /** Questions per poll. Default 64. */
  readonly maxPollQuestions: number;
  /** Options per question. Default 64. */
  readonly maxPollOptions: number;
  /**
   * Document flow-control window (bytes): the relay lets a sharer run this far ahead of the slowest receiver's
   * acknowledgement. Default 1 MiB (DEFAULT_DOC_WINDOW_BYTES). The effective window is at most half of
   * maxReliableBacklogBytes, so that an honest receiver's backlog never reaches the slow-consumer bound.
   */
  readonly docWindowBytes: number;
  /**
   * A receiver with unacknowledged bytes whose acknowledgement has not moved for this long is dropped from the
   * transfer (DOC_CANCEL too_slow) so that it stops holding the others back. Default 10 000 (DEFAULT_DOC_STALL_TIMEOUT_MS).
   */
  readonly docStallTimeoutMs: number;
  /** Document transfers in progress per meeting. Default 64. */
  readonly maxTransfersPerMeeting: number;
  /** Transfer ids the meeting remembers after a transfer ended (for late acks and DOC_RESEND). Default 1024. */
  readonly rememberedTransfers: number;
}

/** Limits derived from the relay options: what the lanes actually use. */
export interface ResolvedLaneOptions extends LaneOptions {
  /** min(docWindowBytes, maxReliableBacklogBytes / 2). */
  readonly docEffectiveWindowBytes: number;
  /**
   * A receiver whose send backlog would pass this many bytes with the next chunk is dropped from the transfer
   * (too_slow) instead of being sent it: three quarters of maxReliableBacklogBytes, so that the slow-consumer
   * sweep never has to disconnect a participant because of a document.
   */
  readonly docBacklogBytes: number;
  /** Largest chunk size an offer may announce: maxFrameBytes minus room for the envelope, at most the window. */
  readonly docMaxChunkBytes: number;
}

export const DEFAULT_DOC_WINDOW_BYTES = 1024 * 1024;
export const DEFAULT_DOC_STALL_TIMEOUT_MS = 10_000;
export const DEFAULT_POLL_TALLY_INTERVAL_MS = 250;
/** Bytes of envelope (kind, ids, offsets) a document chunk frame carries besides its payload, generously. */
export const DOC_CHUNK_OVERHEAD_BYTES = 512;

export const DEFAULT_LANE_OPTIONS: LaneOptions = Object.freeze({
  pollTallyIntervalMs: DEFAULT_POLL_TALLY_INTERVAL_MS,
  maxPollsPerMeeting: 100,
  maxPollQuestions: 64,
  maxPollOptions: 64,
  docWindowBytes: DEFAULT_DOC_WINDOW_BYTES,
  docStallTimeoutMs: DEFAULT_DOC_STALL_TIMEOUT_MS,
  maxTransfersPerMeeting: 64,
  rememberedTransfers: 1024,
});

const RANGES: Record<keyof LaneOptions, readonly [number, number]> = {
  pollTallyIntervalMs: [10, 60_000],
  maxPollsPerMeeting: [1, 100_000],
  maxPollQuestions: [1, 1_000],
  maxPollOptions: [1, 1_000],
  docWindowBytes: [16 * 1024, 1024 * 1024 * 1024],
  docStallTimeoutMs: [100, 3_600_000],
  maxTransfersPerMeeting: [1, 100_000],
  rememberedTransfers: [0, 1_000_000],
};

const cache = new WeakMap<RelayOptions, ResolvedLaneOptions>();

/**
 * Fills defaults, validates and freezes. Throws RelayConfigError naming the setting for a bad value.
 * Resolving the defaults for the same relay options twice returns the same frozen object.
 */
export function resolveLaneOptions(relay: RelayOptions, input: Partial<LaneOptions> = {}): ResolvedLaneOptions {
  const plain = Object.keys(input).length === 0;
  if (plain) {
    const hit = cache.get(relay);
    if (hit !== undefined) return hit;
  }
  const out: Record<string, number> = {};
  for (const key of Object.keys(RANGES) as Array<keyof LaneOptions>) {
    const value = input[key] ?? DEFAULT_LANE_OPTIONS[key];
    const [min, max] = RANGES[key];
    if (!Number.isInteger(value) || value < min || value > max) throw new RelayConfigError(key, `must be a whole number from ${min} to ${max}`);
    out[key] = value;
  }
  for (const key of Object.keys(input)) if (!(key in RANGES)) throw new RelayConfigError(key, 'unknown lane setting');
  const o = out as unknown as LaneOptions;
  const window = Math.min(o.docWindowBytes, Math.floor(relay.maxReliableBacklogBytes / 2));
  const resolved: ResolvedLaneOptions = Object.freeze({
    ...o,
    docEffectiveWindowBytes: window,
    docBacklogBytes: Math.floor((relay.maxReliableBacklogBytes * 3) / 4),
    // A chunk larger than the window could never be granted.
    docMaxChunkBytes: Math.max(1, Math.min(window, relay.maxFrameBytes - DOC_CHUNK_OVERHEAD_BYTES)),
  });
  if (plain) cache.set(relay, resolved);
  return resolved;
}
