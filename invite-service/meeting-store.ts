/**
 * The meetings this service created, in memory only: id, owning host and policy. Invites can be issued for a meeting
 * until `ttlSeconds` after its creation; a restart forgets meetings (their tokens stay valid at the relay, new
 * invites need a new meeting). Nothing about a meeting's content ever reaches this service.
 */
import { randomBytes } from 'node:crypto';

export interface MeetingPolicy {
  readonly maxDurationSeconds: number;
  readonly maxParticipants: number;
  readonly locked: boolean;
  readonly singleUseInvites: boolean;
}

export interface Meeting {
  /** 128 random bits, base64url (22 characters). */
  readonly id: string;
  readonly hostId: string;
  /** Unix seconds. */
  readonly createdAt: number;
  /** Unix seconds: no invites after this. */
  readonly expiresAt: number;
  readonly policy: MeetingPolicy;
}

export interface MeetingStore {
  /** Creates a meeting, or returns undefined when the store is full. */
  create(hostId: string, policy: MeetingPolicy): Meeting | undefined;
  /** The live meeting with this id, if any. */
  get(id: string): Meeting | undefined;
  readonly size: number;
  close(): void;
}

export function createMeetingStore(options: { maxMeetings: number; ttlSeconds: number; sweepIntervalMs?: number }): MeetingStore {
  const meetings = new Map<string, Meeting>();
  const sweep = (): void => {
    const now = Date.now() / 1000;
    for (const [id, m] of meetings) if (m.expiresAt <= now) meetings.delete(id);
  };
  const timer = setInterval(sweep, options.sweepIntervalMs ?? 60_000);
  timer.unref();
  return {
    create(hostId, policy) {
      if (meetings.size >= options.maxMeetings) {
        sweep();
        if (meetings.size >= options.maxMeetings) return undefined;
      }
      let id: string;
      do id = randomBytes(16).toString('base64url');
      while (meetings.has(id));
      const createdAt = Math.floor(Date.now() / 1000);
      const m: Meeting = Object.freeze({ id, hostId, createdAt, expiresAt: createdAt + options.ttlSeconds, policy: Object.freeze({ ...policy }) });
      meetings.set(id, m);
      return m;
    },
    get(id) {
      const m = meetings.get(id);
      if (m === undefined) return undefined;
      if (m.expiresAt <= Date.now() / 1000) {
        meetings.delete(id);
        return undefined;
      }
      return m;
    },
    get size() {
      return meetings.size;
    },
    close() {
      clearInterval(timer);
      meetings.clear();
    },
  };
}
