/** Relay settings: defaults, flags over environment, and startup errors that name the setting. */
import { describe, expect, it } from 'vitest';
import { parseRelaySettings, resolveRelayOptions, RelayConfigError } from '../../relay/index.js';

describe('relay options', () => {
  it('fills documented defaults and freezes the result', () => {
    const o = resolveRelayOptions();
    expect(o.port).toBe(8080);
    expect(o.transport).toBe('uws');
    expect(o.cdrSinks).toEqual(['file']);
    expect(Object.isFrozen(o)).toBe(true);
  });

  it('reads environment variables and lets flags win', () => {
    const s = parseRelaySettings(['--port', '9000', '--transport=ws', '--cdr-include-ip-addresses'], { EPHEMERA_PORT: '7000', EPHEMERA_MAX_FRAME_BYTES: '2048' });
    expect(s).toMatchObject({ port: 9000, transport: 'ws', maxFrameBytes: 2048, cdrIncludeIpAddresses: true });
  });

  it.each([
    [{ port: 70000 }, /--port \(EPHEMERA_PORT\): must be at most 65535/],
    [{ transport: 'quic' }, /--transport .*expected one of uws, ws/],
    [{ lossyDropBytes: 4 * 1024 * 1024 }, /--lossy-drop-bytes/],
    [{ tlsCertFile: 'a.pem' }, /--tls-key-file/],
    [{ cdrSinks: ['webhook'] }, /--cdr-webhook-url/],
    [{ cdrSinks: ['ftp'] }, /--cdr-sinks .*unknown sink "ftp"/],
    [{ bogus: 1 }, /--bogus/],
  ])('refuses %j with a message naming the setting', (input, message) => {
    expect(() => resolveRelayOptions(input as never)).toThrow(RelayConfigError);
    expect(() => resolveRelayOptions(input as never)).toThrow(message);
  });

  it('refuses malformed values from the environment and unknown flags', () => {
    expect(() => parseRelaySettings([], { EPHEMERA_PORT: 'eighty' })).toThrow(/--port \(EPHEMERA_PORT\): expected a whole number/);
    expect(() => parseRelaySettings(['--no-such-flag', '1'], {})).toThrow(/unknown flag --no-such-flag/);
    expect(() => parseRelaySettings(['--port'], {})).toThrow(/missing value/);
  });
});
