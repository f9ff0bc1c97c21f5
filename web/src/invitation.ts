/**
 * What the page was opened with, read from the URL fragment (which browsers never send to a server) and then
 * cleared from the address bar: a join invitation (`#relay=<join URL>&token=<token>`), or, for local development,
 * `#host-key=<key>` to create a new meeting as its host through the invite service of this origin.
 */

/** The claims of a join token the page shows (read, not verified: the relay verifies). */
export interface TokenClaims {
  readonly participantId: string;
  readonly meetingId: string;
  readonly role: string;
  readonly capabilities: readonly string[];
  readonly displayName: string;
  /** Unix seconds. */
  readonly expiresAt: number;
}

export interface JoinInvitation {
  readonly kind: 'join';
  /** ws(s)://relay/v1/meetings/<id> */
  readonly relay: string;
  readonly token: string;
  readonly claims: TokenClaims;
}

export type Invitation = JoinInvitation | { readonly kind: 'new-meeting'; readonly hostKey: string } | { readonly kind: 'none'; readonly problem: string };

function base64UrlJson(part: string): unknown {
  const b64 = part.replace(/-/g, '+').replace(/_/g, '/');
  const bin = atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4));
  const bytes = Uint8Array.from(bin, (c) => c.charCodeAt(0));
  return JSON.parse(new TextDecoder().decode(bytes));
}

/** Reads the claims of a JWT without verifying it; null when it is not one. */
export function readClaims(token: string): TokenClaims | null {
  try {
    const c = base64UrlJson(token.split('.')[1] ?? '') as Record<string, unknown>;
    if (typeof c.sub !== 'string' || typeof c.mid !== 'string') return null;
    return {
      participantId: c.sub,
      meetingId: c.mid,
      role: typeof c.role === 'string' ? c.role : 'attendee',
      capabilities: Array.isArray(c.caps) ? c.caps.filter((x): x is string => typeof x === 'string') : [],
      displayName: typeof c.name === 'string' && c.name !== '' ? c.name : c.sub,
      expiresAt: typeof c.exp === 'number' ? c.exp : 0,
    };
  } catch {
    return null;
  }
}

/** Builds a join invitation from a join URL and token (as the invite service returns them). */
export function joinInvitation(relay: string, token: string): Invitation {
  const claims = readClaims(token);
  if (claims === null) return { kind: 'none', problem: 'This invitation link is damaged: its token cannot be read.' };
  if (!/^wss?:\/\//.test(relay)) return { kind: 'none', problem: 'This invitation link is damaged: it names no relay.' };
  return { kind: 'join', relay, token, claims };
}

/** Parses a fragment (`#...`). */
export function parseFragment(hash: string): Invitation {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  const token = params.get('token');
  const relay = params.get('relay');
  if (token !== null && relay !== null) return joinInvitation(relay, token);
  const hostKey = params.get('host-key');
  if (hostKey !== null && hostKey !== '') return { kind: 'new-meeting', hostKey };
  return { kind: 'none', problem: 'Open this page from an invitation link: the link carries your invitation after the # sign.' };
}

/** Reads the invitation from the address bar and removes it from there (and from the history entry). */
export function takeInvitation(): Invitation {
  const inv = parseFragment(location.hash);
  if (location.hash !== '') history.replaceState(null, '', location.pathname + location.search);
  return inv;
}
