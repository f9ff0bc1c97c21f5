/**
 * Where `ephemera demo` gets its join tokens: from the invite service over HTTP when it runs (the `npm start`
 * setup, with the development host key), else minted from the local development key.
 */
import { randomBytes } from 'node:crypto';
import { loadOrCreateDevKeys, mintJoinToken, DEFAULT_AUDIENCE, DEFAULT_ISSUER, DEFAULT_CAPABILITIES, type Role } from '../../token/index.js';
import { readDevHostKey } from './dev-host-key.js';

export interface DemoInvites {
  readonly meetingId: string;
  readonly source: 'invite-service' | 'development key';
  /** One token per participant, index 0 is the host. */
  readonly tokens: string[];
  /** The join URL the service gave, if any. */
  readonly joinUrl?: string;
}

export function demoRole(i: number): Role {
  return i === 0 ? 'host' : i === 1 ? 'presenter' : 'attendee';
}

async function post(url: string, apiKey: string, body: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(5_000),
  });
  const json = (await res.json()) as Record<string, unknown>;
  if (!res.ok) throw new Error(`invite service answered ${res.status} ${String(json.code ?? '')}: ${String(json.message ?? '')}`);
  return json;
}

export async function inviteFromService(inviteUrl: string, apiKey: string, participants: number): Promise<DemoInvites> {
  const created = await post(`${inviteUrl}/v1/meetings`, apiKey, { host: { participantId: 'p0', displayName: 'Participant 0' } });
  const meetingId = String(created.meetingId);
  const host = created.host as { token: string; joinUrl: string };
  const invites = [];
  for (let i = 1; i < participants; i++) invites.push({ participantId: `p${i}`, role: demoRole(i), displayName: `Participant ${i}` });
  const tokens = [host.token];
  for (let i = 0; i < invites.length; i += 100) {
    const res = await post(`${inviteUrl}/v1/meetings/${meetingId}/invites`, apiKey, { invites: invites.slice(i, i + 100) });
    for (const g of res.invites as Array<{ token: string }>) tokens.push(g.token);
  }
  return { meetingId, source: 'invite-service', tokens, joinUrl: host.joinUrl };
}

export function inviteFromDevKey(dataDir: string, participants: number): DemoInvites {
  const keys = loadOrCreateDevKeys(dataDir);
  const meetingId = 'demo-' + randomBytes(9).toString('base64url');
  const tokens: string[] = [];
  for (let i = 0; i < participants; i++) {
    const role = demoRole(i);
    tokens.push(
      mintJoinToken(keys.privateKey, keys.kid, {
        issuer: process.env.EPHEMERA_ISSUER ?? DEFAULT_ISSUER,
        audience: process.env.EPHEMERA_AUDIENCE ?? DEFAULT_AUDIENCE,
        participantId: `p${i}`,
        meetingId,
        role,
        capabilities: [...DEFAULT_CAPABILITIES[role]],
        ttlSeconds: 600,
        displayName: `Participant ${i}`,
      }),
    );
  }
  return { meetingId, source: 'development key', tokens };
}

/** Uses the invite service when a host key is known and the service answers; else the development key. */
export async function demoInvites(dataDir: string, participants: number, inviteUrl: string | undefined, apiKey: string | undefined): Promise<DemoInvites> {
  const key = apiKey ?? readDevHostKey(dataDir);
  const url = inviteUrl ?? 'http://127.0.0.1:8090';
  if (key !== undefined) {
    try {
      return await inviteFromService(url, key, participants);
    } catch (err) {
      if (inviteUrl !== undefined) throw err;
      process.stderr.write(`ephemera demo: invite service at ${url} not usable (${(err as Error).message}); minting from the development key\n`);
    }
  }
  return inviteFromDevKey(dataDir, participants);
}
