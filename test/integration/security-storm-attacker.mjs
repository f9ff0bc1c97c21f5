// The attacker of the join-storm test (security-floods.test.ts), run as its own process so that the storm does
// not compete with the test's measurements for the same event loop. Plain JavaScript, no dependencies.
//
// argv[2]: JSON { port, path, ips: string[], perIp: number, durationMs: number, head: string, body: string }
// (head and body: the first two parts of a real token, used to forge tokens with a wrong signature).
// Sends WebSocket upgrades with bad tokens as fast as the relay answers, `perIp` at a time from each address,
// then prints one JSON line: { attempts, statuses: { "<status>": count } }.
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';

const o = JSON.parse(process.argv[2]);
const statuses = {};
let attempts = 0;
const until = Date.now() + o.durationMs;

function forged() {
  return `${o.head}.${o.body}.${randomBytes(64).toString('base64url')}`;
}

function garbage() {
  switch (Math.floor(Math.random() * 5)) {
    case 0:
      return randomBytes(40).toString('base64url');
    case 1:
      return `${Buffer.from('{"alg":"HS256","kid":"x"}').toString('base64url')}.${o.body}.${randomBytes(32).toString('base64url')}`;
    case 2:
      return `${Buffer.from('{"alg":"ES256"}').toString('base64url')}.${o.body}.${randomBytes(64).toString('base64url')}`;
    case 3:
      return 'a.b.c';
    default:
      return `${randomBytes(3000).toString('base64url')}.x.y`;
  }
}

function attempt(ip) {
  return new Promise((resolve) => {
    const token = Math.random() < 0.5 ? forged() : garbage();
    const socket = connect({ port: o.port, host: '127.0.0.1', localAddress: ip });
    let head = '';
    const done = (status) => {
      attempts++;
      statuses[status] = (statuses[status] ?? 0) + 1;
      socket.destroy();
      resolve();
    };
    socket.setTimeout(10_000, () => done('timeout'));
    socket.on('error', () => done('error'));
    socket.on('connect', () =>
      socket.write(
        `GET ${o.path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n` +
          `Sec-WebSocket-Protocol: ephemera.v1, bearer.${token}\r\n\r\n`,
      ),
    );
    socket.on('data', (c) => {
      head += c.toString('latin1');
      const m = /^HTTP\/1\.1 (\d{3})/.exec(head);
      if (m) done(m[1]);
    });
  });
}

async function loop(ip) {
  while (Date.now() < until) await attempt(ip);
}

await Promise.all(o.ips.flatMap((ip) => Array.from({ length: o.perIp }, () => loop(ip))));
process.stdout.write(JSON.stringify({ attempts, statuses }) + '\n');
