// The client side of the idle-memory probes (idle-mem.ts, uws-topic-mem.mjs), in a process of its own so that its
// memory is not the server's: `node idle-clients.cjs <ws module> <url> ephemera|raw`. Reads JSON lines on stdin:
// `{"tokens":[...]}` (ephemera: the join tokens, by connection index) and `{"from":a,"to":b}` (open connections
// a..b-1, ten per meeting, 32 at a time, each waited for to its first message); answers `ok` on stdout per range.
const WebSocket = require(process.argv[2]);
const url = process.argv[3];
const ephemera = process.argv[4] === 'ephemera';
const socks = [];
let tokens = [];
process.stdin.setEncoding('utf8');
let buf = '';
process.stdin.on('data', async (d) => {
  buf += d;
  let nl;
  while ((nl = buf.indexOf('\n')) >= 0) {
    const msg = JSON.parse(buf.slice(0, nl));
    buf = buf.slice(nl + 1);
    if (msg.tokens) {
      tokens = msg.tokens;
      continue;
    }
    let next = msg.from;
    await Promise.all(Array.from({ length: 32 }, async () => {
      while (next < msg.to) {
        const i = next++;
        const options = { localAddress: '127.0.0.' + (1 + (i % 16)), perMessageDeflate: false };
        await new Promise((res, rej) => {
          const ws = ephemera
            ? new WebSocket(url + '/v1/meetings/m' + Math.floor(i / 10), ['ephemera.v1', 'bearer.' + tokens[i]], options)
            : new WebSocket(url + '/m' + Math.floor(i / 10), options);
          ws.once('message', () => res());
          ws.once('error', rej);
          socks.push(ws);
        });
      }
    }));
    process.stdout.write('ok\n');
  }
});
