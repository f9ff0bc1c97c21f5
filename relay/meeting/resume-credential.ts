/**
 * Resume credentials: proof that a connection may continue a session after its socket dropped. A credential is
 * `<session id>.<expiry, base 36 Unix ms>.<HMAC-SHA256 over meeting, participant, session id and expiry>`,
 * keyed by a random key that lives only in this process's memory (never on disk, never logged). It travels in
 * Sec-WebSocket-Protocol like the join token (`resume.<credential>.<last seq>`), never in a URL. Because the MAC
 * is over the identity and not a lookup key, a key shared by every relay of a cluster would let any of them
 * verify it without asking the issuer (cluster-mode resume is not built yet; protocol/README.md, "Resume").
 */
import { createHmac, randomBytes, randomFillSync, timingSafeEqual } from 'node:crypto';

/** The subprotocol prefix of a resume offer. */
export const RESUME_PREFIX = 'resume.';

/** A resume offer parsed from Sec-WebSocket-Protocol (not verified yet). */
export interface ResumeOffer {
  readonly sessionId: string;
  readonly expiresAt: number;
  readonly mac: string;
  /** The last meeting seq the client received. */
  readonly lastSeq: number;
}

const PART = /^[A-Za-z0-9_-]{1,64}$/;
const EXPIRY = /^[0-9a-z]{1,12}$/;
const SEQ = /^[0-9]{1,15}$/;

/** Parses `resume.<sid>.<exp>.<mac>.<lastSeq>`; null when malformed. */
export function parseResumeOffer(protocol: string): ResumeOffer | null {
  const parts = protocol.slice(RESUME_PREFIX.length).split('.');
  if (parts.length !== 4) return null;
  const [sessionId, exp, mac, seq] = parts as [string, string, string, string];
  if (!PART.test(sessionId) || !EXPIRY.test(exp) || !PART.test(mac) || !SEQ.test(seq)) return null;
  return { sessionId, expiresAt: parseInt(exp, 36), mac, lastSeq: Number(seq) };
}

const ID_BYTES = 12;
const ID_POOL = Buffer.alloc(ID_BYTES * 32);
let idPoolAt = ID_POOL.length;

/** Issues and checks credentials with one per-process key. */
export class ResumeKey {
  private readonly key: Buffer;

  constructor(key: Buffer = randomBytes(32)) {
    this.key = key;
  }

  /**
   * A new random session id (base64url, 16 characters). The random bytes come 32 ids at a time: one call into
   * OpenSSL (and its fork check, a getpid syscall) per join was a visible part of a join storm's cost.
   */
  static sessionId(): string {
    if (idPoolAt >= ID_POOL.length) {
      randomFillSync(ID_POOL);
      idPoolAt = 0;
    }
    const id = ID_POOL.toString('base64url', idPoolAt, idPoolAt + ID_BYTES);
    // Each id's bytes are used once: wiped as they are handed out.
    ID_POOL.fill(0, idPoolAt, idPoolAt + ID_BYTES);
    idPoolAt += ID_BYTES;
    return id;
  }

  private mac(meetingId: string, participantId: string, sessionId: string, expiresAt: number): string {
    return createHmac('sha256', this.key).update(`${meetingId}\n${participantId}\n${sessionId}\n${expiresAt}`).digest('base64url');
  }

  issue(meetingId: string, participantId: string, sessionId: string, expiresAt: number): string {
    return `${sessionId}.${expiresAt.toString(36)}.${this.mac(meetingId, participantId, sessionId, expiresAt)}`;
  }

  /** True when the offer's MAC is this key's for that identity and it has not expired. Constant-time compare. */
  verify(offer: ResumeOffer, meetingId: string, participantId: string, now: number): boolean {
    if (offer.expiresAt <= now) return false;
    const want = Buffer.from(this.mac(meetingId, participantId, offer.sessionId, offer.expiresAt));
    const got = Buffer.from(offer.mac);
    return want.length === got.length && timingSafeEqual(want, got);
  }
}
