/**
 * The invite service's API as the host's page uses it in development (same origin, the development host key).
 * In production the operator's backend creates meetings and invitations; the page only joins.
 */

/** A join grant (see the invite service's OpenAPI document). */
export interface JoinGrant {
  readonly participantId: string;
  readonly role: string;
  readonly displayName?: string;
  readonly token: string;
  readonly joinUrl: string;
  readonly link?: string;
  readonly expiresAt: string;
}

async function call<T>(path: string, hostKey: string, body: unknown): Promise<T> {
  const res = await fetch(path, {
    method: 'POST',
    headers: { authorization: `Bearer ${hostKey}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const json = (await res.json().catch(() => ({}))) as { message?: string };
  if (!res.ok) throw new Error(json.message ?? `the invite service answered HTTP ${res.status}`);
  return json as T;
}

/** Creates a meeting; resolves with its id and the host's grant. */
export function createMeeting(hostKey: string, displayName: string): Promise<{ meetingId: string; host: JoinGrant }> {
  return call('/v1/meetings', hostKey, { host: { displayName } });
}

/** Creates one invitation for a meeting. */
export async function createInvite(hostKey: string, meetingId: string, role: string, displayName: string): Promise<JoinGrant> {
  const r = await call<{ invites: JoinGrant[] }>(`/v1/meetings/${encodeURIComponent(meetingId)}/invites`, hostKey, {
    invites: [{ role, ...(displayName !== '' ? { displayName } : {}) }],
  });
  const g = r.invites[0];
  if (g === undefined) throw new Error('the invite service returned no invitation');
  return g;
}
