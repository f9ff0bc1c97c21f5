/**
 * A minimal receiver for Ephemera's CDR webhook. It verifies the Standard Webhooks signature in constant time,
 * refuses stale timestamps (replays), and acknowledges each record once: deliveries are at-least-once, so a
 * retried record arrives again with the same webhook-id and is acknowledged without being processed twice.
 *
 *   WEBHOOK_SECRET=whsec_... PORT=8787 npx tsx examples/webhook-receiver.ts
 *   (several secrets during a rotation: WEBHOOK_SECRET="whsec_old whsec_new")
 *
 * It uses nothing from Ephemera, only node:http and node:crypto, so it can be copied into any Node service.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { pathToFileURL } from 'node:url';

const MAX_BODY = 1024 * 1024;

/** Decodes `whsec_<base64>` into the HMAC key. */
function keyOf(secret: string): Buffer {
  return Buffer.from(secret.startsWith('whsec_') ? secret.slice(6) : secret, 'base64');
}

/**
 * True when `signature` (space-separated `v1,<base64>` entries) holds a valid HMAC-SHA256 of
 * `${id}.${timestamp}.${body}` under one of `secrets`, and the timestamp is within `toleranceSeconds` of now.
 */
export function verifyStandardWebhook(
  secrets: readonly string[],
  headers: { id: string | undefined; timestamp: string | undefined; signature: string | undefined },
  body: Buffer,
  now: number = Date.now(),
  toleranceSeconds = 300,
): boolean {
  const { id, timestamp, signature } = headers;
  if (!id || !timestamp || !signature || !/^\d+$/.test(timestamp)) return false;
  if (Math.abs(Math.floor(now / 1000) - Number(timestamp)) > toleranceSeconds) return false;
  const offered = signature.split(' ').filter((s) => s.startsWith('v1,')).map((s) => Buffer.from(s.slice(3), 'base64'));
  for (const secret of secrets) {
    const expected = createHmac('sha256', keyOf(secret)).update(`${id}.${timestamp}.`).update(body).digest();
    for (const sig of offered) {
      if (sig.length === expected.length && timingSafeEqual(sig, expected)) return true;
    }
  }
  return false;
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

export interface ReceiverOptions {
  readonly secrets: readonly string[];
  /** Called once per record id with the parsed record. */
  readonly onRecord: (record: Record<string, unknown>, id: string) => void;
  /** How many recent ids are remembered for deduplication. Default 100 000. */
  readonly remember?: number;
}

/** An http.Server that accepts signed CDR deliveries (204), refuses bad signatures (401). Call listen(). */
export function createWebhookReceiver(options: ReceiverOptions): Server {
  const seen = new Set<string>();
  const remember = options.remember ?? 100_000;
  return createServer((req, res) => {
    if (req.method !== 'POST') {
      res.writeHead(405).end();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        res.writeHead(413).end();
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      if (res.headersSent) return;
      const body = Buffer.concat(chunks);
      const id = header(req, 'webhook-id');
      const ok = verifyStandardWebhook(options.secrets, {
        id,
        timestamp: header(req, 'webhook-timestamp'),
        signature: header(req, 'webhook-signature'),
      }, body);
      if (!ok || id === undefined) {
        res.writeHead(401).end();
        return;
      }
      if (!seen.has(id)) {
        let record: Record<string, unknown>;
        try {
          record = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
        } catch {
          res.writeHead(400).end();
          return;
        }
        // Process first, remember second: if processing throws, the sender retries and we try again.
        options.onRecord(record, id);
        seen.add(id);
        if (seen.size > remember) seen.delete(seen.values().next().value as string);
      }
      res.writeHead(204).end();
    });
  });
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const secrets = (process.env.WEBHOOK_SECRET ?? '').split(/[\s,]+/).filter((s) => s !== '');
  if (secrets.length === 0) {
    process.stderr.write('set WEBHOOK_SECRET to the whsec_... secret the relay signs with\n');
    process.exitCode = 2;
  } else {
    const port = Number(process.env.PORT ?? 8787);
    const server = createWebhookReceiver({
      secrets,
      onRecord: (record, id) => {
        process.stdout.write(`${id} meeting=${String(record.meetingId)} partial=${String(record.partial)} duration=${String(record.durationMs)}ms\n`);
      },
    });
    server.listen(port, () => process.stdout.write(`CDR webhook receiver on http://127.0.0.1:${port}/\n`));
  }
}
