/**
 * Resume credentials: proof that a connection may continue a session after its socket dropped. A credential is
 * `<session id>.<expiry, base 36 Unix ms>.<HMAC-SHA256 over meeting, participant, session id and expiry>`,
 * keyed by a random key that lives only in this process's memory (never on disk, never logged). It travels in
 * Sec-WebSocket-Protocol like the join token (`resume.<credential>.<last seq>`), never in a URL.
 *
 * Cluster mode: the key is derived from the secret every relay shares (--resume-secret-file), and the credential
 * carries the identity it was issued for (`<sid>.<exp>.<mac>.<identity>`, identity = base64url JSON of the
 * participant id, role, capabilities, display name and issuing relay; the MAC covers it), so that any relay of the
 * cluster can verify it and seat the participant without asking the issuer (protocol/README.md, "Resume").
 */
import { createHmac, randomBytes, randomFillSync, timingSafeEqual } from 'node:crypto';
import { randomId } from '../../token/random-id.js';
import { CAPABILITIES, type Capability, type Role } from '../auth/claims.types.js';

/** The subprotocol prefix of a resume offer. */
export const RESUME_PREFIX = 'resume.';

/** A resume offer parsed from Sec-WebSocket-Protocol (not verified yet). */
export interface ResumeOffer {
  readonly sessionId: string;
  readonly expiresAt: number;
  readonly mac: string;
  /** The last meeting seq the client received. */
  readonly lastSeq: number;
  /** Cluster mode: the identity part (base64url JSON, covered by the MAC). */
  readonly identity?: string;
}

/** Who a cluster-mode credential was issued for: enough for another relay to seat the participant. */
export interface ResumeIdentity {
  readonly participantId: string;
  readonly role: Role;
  readonly capabilities: readonly Capability[];
  readonly displayName?: string;
  /** The cluster node id of the relay that issued it. */
  readonly node: string;
}

const ROLES: ReadonlySet<string> = new Set(['host', 'presenter', 'attendee']);
const CAPS: ReadonlySet<string> = new Set(CAPABILITIES);

export function encodeIdentity(id: ResumeIdentity): string {
  const body: Record<string, unknown> = { p: id.participantId, r: id.role, c: id.capabilities, o: id.node };
  if (id.displayName !== undefined) body.n = id.displayName;
  return Buffer.from(JSON.stringify(body)).toString('base64url');
}

/** Decodes a verified identity part; null when it is not one (never trusted before the MAC verified). */
export function decodeIdentity(part: string): ResumeIdentity | null {
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  } catch {
    return null;
  }
  if (typeof v !== 'object' || v === null) return null;
  const o = v as Record<string, unknown>;
  if (typeof o.p !== 'string' || o.p.length === 0 || typeof o.r !== 'string' || !ROLES.has(o.r) || typeof o.o !== 'string') return null;
  if (!Array.isArray(o.c) || !o.c.every((c) => typeof c === 'string' && CAPS.has(c))) return null;
  if (o.n !== undefined && typeof o.n !== 'string') return null;
  return { participantId: o.p, role: o.r as Role, capabilities: o.c as Capability[], node: o.o, ...(typeof o.n === 'string' ? { displayName: o.n } : {}) };
}

/** The key a cluster's relays share, derived from the resume secret (never the secret itself). */
export function sharedResumeKey(secret: Buffer): Buffer {
  return createHmac('sha256', secret).update('ephemera resume credential v1').digest();
}

const PART = /^[A-Za-z0-9_-]{1,64}$/;
const EXPIRY = /^[0-9a-z]{1,12}$/;
const SEQ = /^[0-9]{1,15}$/;

const IDENTITY = /^[A-Za-z0-9_-]{1,2048}$/;

/** Parses `resume.<sid>.<exp>.<mac>[.<identity>].<lastSeq>`; null when malformed. */
export function parseResumeOffer(protocol: string): ResumeOffer | null {
  const parts = protocol.slice(RESUME_PREFIX.length).split('.');
  if (parts.length !== 4 && parts.length !== 5) return null;
  const [sessionId, exp, mac] = parts as [string, string, string];
  const seq = parts[parts.length - 1]!;
  const identity = parts.length === 5 ? parts[3]! : undefined;
  if (!PART.test(sessionId) || !EXPIRY.test(exp) || !PART.test(mac) || !SEQ.test(seq)) return null;
  if (identity !== undefined && !IDENTITY.test(identity)) return null;
  return { sessionId, expiresAt: parseInt(exp, 36), mac, lastSeq: Number(seq), ...(identity !== undefined ? { identity } : {}) };
}

/** Random numbers for session ids, drawn from a pool refilled 4 KiB at a time (one getrandom per 1,024 ids). */
const idPool = new Uint32Array(1024);
let idNext = idPool.length;

/** A random integer from 1 to 2^30 - 1 (a small integer to V8: a Map key without a string, a field without a box). */
export function randomSessionNumber(): number {
  if (idNext === idPool.length) {
    randomFillSync(idPool);
    idNext = 0;
  }
  const n = idPool[idNext]! & 0x3fffffff;
  idPool[idNext++] = 0;
  return n === 0 ? 1 : n;
}

/**
 * Session ids of one relay process: a random prefix (8 characters, per process) and a random number in base 36,
 * so that the manager keys its sessions by the number (no string per session) and an id another process issued
 * (a restarted relay, another relay of the cluster) is never mistaken for one of its own.
 */
export class SessionIds {
  private readonly prefix = randomId(6);

  /** The id's text, as the credential carries it. */
  text(n: number): string {
    return this.prefix + n.toString(36);
  }

  /** The number of an id this process issued, or 0 when it is not one (another prefix, not canonical). */
  parse(text: string): number {
    if (!text.startsWith(this.prefix) || text.length > this.prefix.length + 6) return 0;
    const n = parseInt(text.slice(this.prefix.length), 36);
    return n > 0 && n < 0x40000000 && this.text(n) === text ? n : 0;
  }
}

/** Issues and checks credentials with one per-process key. */
export class ResumeKey {
  private readonly key: Buffer;

  constructor(key: Buffer = randomBytes(32)) {
    this.key = key;
  }

  private mac(meetingId: string, participantId: string, sessionId: string, expiresAt: number, identity: string | undefined): string {
    const h = createHmac('sha256', this.key).update(`${meetingId}\n${participantId}\n${sessionId}\n${expiresAt}`);
    if (identity !== undefined) h.update(`\n${identity}`);
    return h.digest('base64url');
  }

  /** A credential; with `identity` (cluster mode) it carries who it was issued for. */
  issue(meetingId: string, participantId: string, sessionId: string, expiresAt: number, identity?: string): string {
    const base = `${sessionId}.${expiresAt.toString(36)}.${this.mac(meetingId, participantId, sessionId, expiresAt, identity)}`;
    return identity === undefined ? base : `${base}.${identity}`;
  }

  /** True when the offer's MAC is this key's for that identity and it has not expired. Constant-time compare. */
  verify(offer: ResumeOffer, meetingId: string, participantId: string, now: number): boolean {
    if (offer.expiresAt <= now) return false;
    const want = Buffer.from(this.mac(meetingId, participantId, offer.sessionId, offer.expiresAt, offer.identity));
    const got = Buffer.from(offer.mac);
    return want.length === got.length && timingSafeEqual(want, got);
  }
}
