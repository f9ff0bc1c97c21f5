/**
 * The SDK's decision table for closes (client/reconnect.ts): which close codes resume, which recover through
 * another relay (resume, then rejoin with the join token), which end; and when the join token may be used again.
 */
import { describe, expect, it } from 'vitest';
import { decideClose, tokenRejoinBlocker, REJOIN_AFTER_CODES, FINAL_JOIN_CODES, resumeUrl } from '../../client/reconnect.js';
import { CloseCode, CloseCodeSpecs, ErrorCodes } from '../../protocol/index.js';

function jwt(claims: Record<string, unknown>): string {
  const b64 = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64url');
  return `${b64({ alg: 'EdDSA', typ: 'JWT' })}.${b64(claims)}.c2ln`;
}

describe('decideClose', () => {
  const plain = { drained: false, otherRelays: false };
  it('resumes after a drop (1006, 1005, 1011-1014, 4004)', () => {
    for (const code of [1006, 1005, 1011, 1012, 1013, 1014, 4004]) expect(decideClose(code, plain)).toBe('resume');
  });
  it('recovers a cluster gap (4013) and a cut-off relay (4014), with or without other relays listed', () => {
    for (const code of [CloseCode.CLUSTER_GAP, CloseCode.CLUSTER_CUT_OFF]) {
      expect(decideClose(code, plain)).toBe('recover');
      expect(decideClose(code, { drained: false, otherRelays: true })).toBe('recover');
    }
  });
  it('recovers 1001 only from a draining relay (MEETING_ENDED shutdown) when other relays are listed', () => {
    expect(decideClose(CloseCode.GOING_AWAY, { drained: true, otherRelays: true })).toBe('recover');
    expect(decideClose(CloseCode.GOING_AWAY, { drained: true, otherRelays: false })).toBe('close');
    expect(decideClose(CloseCode.GOING_AWAY, { drained: false, otherRelays: true })).toBe('close');
  });
  it('ends on deliberate and final closes', () => {
    for (const code of [1000, 4000, 4001, 4002, 4003, 4005, 4006, 4007, 4009]) {
      expect(decideClose(code, { drained: true, otherRelays: true })).toBe('close');
    }
  });
});

describe('tokenRejoinBlocker', () => {
  const now = 1_800_000_000_000;
  it('a valid reusable token may rejoin', () => {
    expect(tokenRejoinBlocker(jwt({ exp: now / 1000 + 600, sub: 'a' }), now)).toBeNull();
    expect(tokenRejoinBlocker(jwt({ sub: 'a' }), now)).toBeNull();
  });
  it('an expired (or about to expire) token may not', () => {
    expect(tokenRejoinBlocker(jwt({ exp: now / 1000 - 1 }), now)).toBe('token_expired');
    expect(tokenRejoinBlocker(jwt({ exp: now / 1000 + 1 }), now)).toBe('token_expired');
  });
  it('a single-use token was used by the first join', () => {
    expect(tokenRejoinBlocker(jwt({ exp: now / 1000 + 600, single: true }), now)).toBe('token_single_use');
  });
  it('a malformed token', () => {
    expect(tokenRejoinBlocker('nope', now)).toBe('token_malformed');
    expect(tokenRejoinBlocker('a.!!!.b', now)).toBe('token_malformed');
    expect(tokenRejoinBlocker(`a.${Buffer.from('null').toString('base64url')}.b`, now)).toBe('token_malformed');
  });
});

describe('codes the recovery acts on', () => {
  it('are registered error codes', () => {
    for (const c of [...REJOIN_AFTER_CODES, ...FINAL_JOIN_CODES]) expect(Object.keys(ErrorCodes)).toContain(c);
  });
  it('a recovery starts at the next URL: the relay that let the session go is tried last', () => {
    const o = { urls: ['ws://b', 'ws://c'] };
    // Connected through the first URL (attempt 1): recovery attempts 1, 2, 3 use base 1 + attempt.
    expect([2, 3, 4].map((n) => resumeUrl('ws://a', o, n))).toEqual(['ws://b', 'ws://c', 'ws://a']);
  });
});

describe('the close-code registry and the SDK agree', () => {
  it('what protocol/codes.ts says a client does is what decideClose decides (a draining relay of a cluster, other relays listed)', () => {
    for (const [code, spec] of Object.entries(CloseCodeSpecs)) {
      // 1009 never reaches a client (it sees 1006, a drop); the others are what the relay sends.
      const seen = Number(code) === CloseCode.MESSAGE_TOO_BIG ? 'close' : decideClose(Number(code), { drained: true, otherRelays: true });
      expect([code, seen]).toEqual([code, spec.client]);
    }
  });
});
