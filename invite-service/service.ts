/**
 * The invite service: an HTTP API (fastify) that lets hosts create meetings and invite participants, answering with
 * signed join tokens, and that publishes the public keys the relay verifies them with.
 */
import { STATUS_CODES } from 'node:http';
import Fastify, { LogController, type FastifyError, type FastifyReply, type FastifyRequest, type HookHandlerDoneFunction } from 'fastify';
import { pino, type Logger } from 'pino';
import { DEFAULT_CAPABILITIES, mintJoinToken, randomId, type Capability, type Role } from '../token/index.js';
import { InviteError, refusalReason, type InviteErrorCode } from './errors.js';
import { createHostAuthenticator, type AuthResult, type HostIdentity } from './host-authenticator.js';
import { createMeetingStore, type Meeting, type MeetingPolicy } from './meeting-store.js';
import { createInviteMetrics } from './metrics.js';
import { buildOpenApi, type RouteDoc } from './openapi.js';
import { resolveOptions, type InviteServiceOptions } from './options.js';
import { buildSchemas } from './schemas.js';
import { createSigningKeyHolder } from './signing-key-holder.js';
import { createWindowLimiter } from './window-limiter.js';
import { WEB_CLIENT_CSP } from './web-client.js';

/** A running invite service. */
export interface InviteService {
  /** http://host:port */
  readonly url: string;
  readonly port: number;
  /** `<url>/.well-known/jwks.json`: give this to the relay. */
  readonly jwksUrl: string;
  /** The folder the signing keys live in. */
  readonly keysDir: string;
  /** The host API keys file. */
  readonly hostsFile: string;
  /** The web client's page (join links point there), if the service knows one. */
  readonly webClientUrl: string | undefined;
  /**
   * Rotates the signing key now (as `ephemera keys rotate` does from outside); the old public key stays published
   * for `retainSeconds` (default: the longest token lifetime plus 5 minutes). Returns the new kid.
   */
  rotateSigningKey(retainSeconds?: number): string;
  /** Replaces the relay's public URL that join URLs name (validated like the relayUrl option). */
  setRelayUrl(url: string): void;
  /** Re-reads the key folder and the hosts file now instead of at the next check. */
  reload(): void;
  /** Stops listening and releases everything. Idempotent. */
  close(): Promise<void>;
}

interface CreateMeetingBody {
  policy?: Partial<MeetingPolicy>;
  host?: { participantId?: string; displayName?: string; ttlSeconds?: number };
}
interface InviteItem {
  participantId?: string;
  role?: Role;
  capabilities?: Capability[];
  displayName?: string;
  ttlSeconds?: number;
  singleUse?: boolean;
}
interface JoinGrant {
  participantId: string;
  role: Role;
  capabilities: readonly Capability[];
  displayName?: string;
  singleUse: boolean;
  token: string;
  joinUrl: string;
  link?: string;
  expiresAt: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    inviteHost: HostIdentity | null;
  }
}

/** Redaction for every log line: no credentials, no tokens, wherever they might appear. */
const REDACT = {
  paths: ['req.headers.authorization', 'req.headers.cookie', 'headers.authorization', 'authorization', 'token', '*.token', 'apiKey', '*.apiKey'],
  censor: '[redacted]',
};

function randomParticipantId(prefix: string): string {
  return `${prefix}-${randomId(9)}`;
}

/** Starts the service and resolves once it listens. Throws for bad options or an unusable key folder/hosts file. */
export async function createInviteService(options: InviteServiceOptions = {}): Promise<InviteService> {
  const o = resolveOptions(options);
  const logger: Logger = o.logger
    ? o.logger.child({ service: 'invite' }, { redact: REDACT })
    : pino({ level: o.logLevel, redact: REDACT, base: { service: 'invite' } });

  const signer = createSigningKeyHolder(o.keysDir, {
    reloadCheckIntervalMs: o.reloadCheckIntervalMs,
    onProblem: (m) => logger.error({ problem: m }, 'signing key reload failed; the previous key stays in use'),
    onRotated: (kid) => logger.info({ kid }, 'signing key rotated'),
  });
  const auth = createHostAuthenticator({
    hostsFile: o.hostsFile,
    reloadCheckIntervalMs: o.reloadCheckIntervalMs,
    onProblem: (m) => logger.error({ problem: m }, 'hosts file reload failed; the previous hosts stay in force'),
  });
  const meetings = createMeetingStore({ maxMeetings: o.maxMeetings, ttlSeconds: o.meetingTtlSeconds });
  const failures = createWindowLimiter(o.authFailuresPerIp.max, o.authFailuresPerIp.windowMs);
  const perIp = createWindowLimiter(o.rateLimitPerIp.max, o.rateLimitPerIp.windowMs);
  const perKey = createWindowLimiter(o.rateLimitPerApiKey.max, o.rateLimitPerApiKey.windowMs);
  const metrics = createInviteMetrics(() => meetings.size);
  const schemas = buildSchemas(o);
  const cleanup = (): void => {
    signer.close();
    auth.close();
    meetings.close();
    failures.close();
    perIp.close();
    perKey.close();
  };

  const app = Fastify({
    loggerInstance: logger,
    // Per-request lines would double the cost of an invite; refusals and errors are logged explicitly.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: o.bodyLimitBytes,
    trustProxy: o.trustProxy,
    forceCloseConnections: true,
    return503OnClosing: true,
    routerOptions: { maxParamLength: 128 },
    requestTimeout: 30_000,
    // Reject unknown fields instead of silently dropping them; never coerce types in bodies.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, useDefaults: false, allErrors: false } },
  });
  app.decorateRequest('inviteHost', null);

  // JSON only (anything else is 415). Empty JSON bodies count as {} (POST /v1/meetings needs no body); the rest goes
  // to fastify's parser, which refuses __proto__ and constructor.prototype keys.
  const jsonParser = app.getDefaultJsonParser('error', 'error');
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text.trim() === '') done(null, {});
    else jsonParser(req, text, done);
  });

  function rateLimited(reply: FastifyReply, retryAfterSeconds: number, message?: string): InviteError {
    reply.header('retry-after', String(retryAfterSeconds));
    return new InviteError('INVITE_ERR_RATE_LIMITED', message);
  }
  /** onRequest of public routes: the per-address limit. */
  function limitIp(req: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void {
    if (!perIp.hit(req.ip)) done(rateLimited(reply, perIp.retryAfterSeconds()));
    else done();
  }
  /**
   * onRequest of host routes: the per-address limit, the failed-authentication limit (checked before any scrypt
   * work), the API key, then the per-key limit. Synchronous when the key was verified recently.
   */
  function guard(req: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void {
    if (!perIp.hit(req.ip)) return done(rateLimited(reply, perIp.retryAfterSeconds()));
    if (failures.exhausted(req.ip)) {
      return done(rateLimited(reply, failures.retryAfterSeconds(), 'Too many failed authentications from this address; retry later.'));
    }
    const result = auth.authenticate(req.headers.authorization);
    if (result instanceof Promise) result.then((r) => admit(req, reply, r, done), (err: Error) => done(err));
    else admit(req, reply, result, done);
  }
  function admit(req: FastifyRequest, reply: FastifyReply, result: AuthResult, done: HookHandlerDoneFunction): void {
    if (!result.ok) {
      failures.hit(req.ip);
      req.log.info({ reason: result.reason, ip: req.ip, route: req.routeOptions.url }, 'host authentication refused');
      return done(new InviteError('INVITE_ERR_UNAUTHORIZED'));
    }
    req.inviteHost = result.host;
    if (!perKey.hit(result.host.id)) return done(rateLimited(reply, perKey.retryAfterSeconds()));
    done();
  }
  function emptyBodyIsObject(req: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction): void {
    if (req.body === undefined || req.body === null) req.body = {};
    done();
  }

  // Replaceable once the relay listens (`ephemera start --port 0` learns its port after this service started).
  let relayUrl = o.relayUrl;
  function joinUrl(meetingId: string): string {
    return `${relayUrl}/v1/meetings/${meetingId}`;
  }
  // Known once listening (the default page URL names the bound port).
  let webClientUrl = o.webClientUrl;
  /** The web client link: the token in the fragment, so that no server log ever sees it. */
  function link(token: string, url: string): string | undefined {
    if (webClientUrl === undefined) return undefined;
    return `${webClientUrl}#${new URLSearchParams({ relay: url, token }).toString()}`;
  }

  function issue(m: Meeting, item: InviteItem, defaultRole: Role, nowSeconds: number): JoinGrant {
    const role = item.role ?? defaultRole;
    const capabilities = item.capabilities ?? DEFAULT_CAPABILITIES[role];
    const ttl = item.ttlSeconds ?? o.defaultTokenTtlSeconds;
    const singleUse = item.singleUse ?? (role === 'host' ? false : m.policy.singleUseInvites);
    const participantId = item.participantId ?? randomParticipantId(role === 'host' ? 'host' : 'p');
    const { kid, privateKey } = signer.current();
    const token = mintJoinToken(privateKey, kid, {
      issuer: o.issuer,
      audience: o.audience,
      participantId,
      meetingId: m.id,
      role,
      capabilities,
      ttlSeconds: ttl,
      issuedAt: nowSeconds,
      singleUse,
      policy: { maxDurationSeconds: m.policy.maxDurationSeconds, maxParticipants: m.policy.maxParticipants, locked: m.policy.locked },
      ...(item.displayName !== undefined ? { displayName: item.displayName } : {}),
    });
    const grant: JoinGrant = {
      participantId,
      role,
      capabilities,
      singleUse,
      token,
      joinUrl: joinUrl(m.id),
      expiresAt: new Date((nowSeconds + ttl) * 1000).toISOString(),
    };
    if (item.displayName !== undefined) grant.displayName = item.displayName;
    const l = link(token, grant.joinUrl);
    if (l !== undefined) grant.link = l;
    return grant;
  }

  const authed = { onRequest: guard, preValidation: emptyBodyIsObject };

  app.post('/v1/meetings', { schema: schemas.createMeeting, ...authed }, async (req, reply) => {
    const body = req.body as CreateMeetingBody;
    const host = req.inviteHost as HostIdentity;
    const m = meetings.create(host.id, { ...o.defaultPolicy, ...(body.policy ?? {}) });
    if (m === undefined) throw new InviteError('INVITE_ERR_TOO_MANY_MEETINGS');
    metrics.meetingsCreated.inc();
    const grant = issue(m, { ...(body.host ?? {}), role: 'host' }, 'host', Math.floor(Date.now() / 1000));
    metrics.tokensIssued.inc({ role: 'host' });
    req.log.info({ meetingId: m.id, hostId: host.id }, 'meeting created');
    reply.code(201);
    return {
      meetingId: m.id,
      createdAt: new Date(m.createdAt * 1000).toISOString(),
      invitesUntil: new Date(m.expiresAt * 1000).toISOString(),
      policy: m.policy,
      host: grant,
    };
  });

  app.post('/v1/meetings/:id/invites', { schema: schemas.createInvites, ...authed }, async (req, reply) => {
    const { id } = req.params as { id: string };
    const host = req.inviteHost as HostIdentity;
    const m = meetings.get(id);
    // Another host's meeting answers exactly like a missing one.
    if (m === undefined || m.hostId !== host.id) throw new InviteError('INVITE_ERR_MEETING_NOT_FOUND');
    const { invites } = req.body as { invites: InviteItem[] };
    const now = Math.floor(Date.now() / 1000);
    const grants = invites.map((item) => issue(m, item, 'attendee', now));
    const byRole: Partial<Record<Role, number>> = {};
    for (const g of grants) byRole[g.role] = (byRole[g.role] ?? 0) + 1;
    for (const [r, n] of Object.entries(byRole)) metrics.tokensIssued.inc({ role: r }, n);
    reply.code(201);
    return { meetingId: m.id, invites: grants };
  });

  const webClient = o.webClient;
  if (webClient !== undefined) {
    const sendFile = (reply: FastifyReply, name: string): FastifyReply => {
      const file = webClient.get(name);
      if (file === undefined) return sendError(reply, 'INVITE_ERR_NOT_FOUND', new InviteError('INVITE_ERR_NOT_FOUND').message);
      return reply
        .header('content-security-policy', WEB_CLIENT_CSP)
        .header('referrer-policy', 'no-referrer')
        .header('x-content-type-options', 'nosniff')
        .header('cache-control', 'no-cache')
        .type(file.contentType)
        .send(Buffer.from(file.body.buffer, file.body.byteOffset, file.body.byteLength));
    };
    app.get('/join', { onRequest: limitIp }, async (_req, reply) => sendFile(reply, 'index.html'));
    app.get('/join/:file', { onRequest: limitIp }, async (req, reply) => sendFile(reply, (req.params as { file: string }).file));
  }

  app.get('/.well-known/jwks.json', { schema: schemas.jwks, onRequest: limitIp }, async (_req, reply) => {
    reply.header('cache-control', 'public, max-age=60').type('application/json');
    return reply.serializer((p: string) => p).send(signer.jwksJson());
  });

  app.get('/healthz', { schema: schemas.healthz }, async () => ({ status: 'ok', meetings: meetings.size }));

  app.get('/metrics', { schema: schemas.metrics }, async (_req, reply) => {
    reply.type(metrics.registry.contentType);
    return metrics.registry.metrics();
  });

  const routeDocs: RouteDoc[] = [
    { method: 'POST', url: '/v1/meetings', operationId: 'createMeeting', summary: 'Create a meeting; get its id, policy and the host join token.', auth: true, schema: schemas.createMeeting },
    { method: 'POST', url: '/v1/meetings/:id/invites', operationId: 'createInvites', summary: 'Invite participants; get their join tokens and URLs.', auth: true, schema: schemas.createInvites },
    { method: 'GET', url: '/.well-known/jwks.json', operationId: 'getJwks', summary: 'The public keys (ES256) that verify join tokens, by kid.', auth: false, schema: schemas.jwks },
    { method: 'GET', url: '/healthz', operationId: 'getHealth', summary: 'Liveness.', auth: false, schema: schemas.healthz },
    { method: 'GET', url: '/metrics', operationId: 'getMetrics', summary: 'Prometheus metrics.', auth: false, schema: schemas.metrics, produces: 'text/plain' },
    { method: 'GET', url: '/openapi.json', operationId: 'getOpenApi', summary: 'This document.', auth: false, schema: schemas.openapi },
  ];
  const openApiJson = JSON.stringify(buildOpenApi(routeDocs, { title: 'Ephemera invite service', version: '1.0.0' }));
  app.get('/openapi.json', { schema: schemas.openapi, onRequest: limitIp }, async (_req, reply) => {
    reply.type('application/json');
    return reply.serializer((p: string) => p).send(openApiJson);
  });

  // Label children are cached: resolving labels on every observe costs more than the observation.
  const durationByLabels = new Map<string, { observe(v: number): void }>();
  app.addHook('onResponse', (req, reply, done) => {
    const route = req.routeOptions.url ?? 'unmatched';
    const k = `${route} ${req.method} ${reply.statusCode}`;
    let child = durationByLabels.get(k);
    if (child === undefined) {
      child = metrics.requestDuration.labels({ route, method: req.method, status: String(reply.statusCode) });
      durationByLabels.set(k, child);
    }
    child.observe(reply.elapsedTime / 1000);
    done();
  });

  app.setNotFoundHandler(async (req, reply) => {
    metrics.refusals.inc({ reason: refusalReason('INVITE_ERR_NOT_FOUND') });
    return sendError(reply, 'INVITE_ERR_NOT_FOUND', new InviteError('INVITE_ERR_NOT_FOUND').message);
  });

  app.setErrorHandler(async (err: FastifyError, req, reply) => {
    const [code, message] = classify(err);
    metrics.refusals.inc({ reason: refusalReason(code) });
    if (code === 'INVITE_ERR_INTERNAL') req.log.error({ err: { name: err.name, code: err.code, message: err.message, stack: err.stack } }, 'internal error');
    return sendError(reply, code, message);
  });

  try {
    await app.listen({ host: o.host, port: o.port });
  } catch (err) {
    cleanup();
    await app.close();
    throw err;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : o.port;
  const hostPart = o.host.includes(':') ? `[${o.host}]` : o.host;
  const url = `http://${hostPart}:${port}`;
  if (webClientUrl === undefined && webClient !== undefined) webClientUrl = `${url}/join`;
  logger.info({ url, keysDir: o.keysDir, hostsFile: o.hostsFile, kid: signer.current().kid }, 'invite service listening');

  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    jwksUrl: `${url}/.well-known/jwks.json`,
    keysDir: o.keysDir,
    hostsFile: o.hostsFile,
    webClientUrl,
    setRelayUrl(url: string): void {
      relayUrl = resolveOptions({ relayUrl: url }).relayUrl;
    },
    rotateSigningKey: (retainSeconds = o.maxTokenTtlSeconds + 300) => signer.rotate(retainSeconds),
    reload(): void {
      signer.reload();
      auth.reload();
    },
    close(): Promise<void> {
      closing ??= app.close().finally(cleanup);
      return closing;
    },
  };
}

function sendError(reply: FastifyReply, code: InviteErrorCode, message: string): FastifyReply {
  const status = new InviteError(code).statusCode;
  if (status === 401) reply.header('www-authenticate', 'Bearer realm="ephemera-invite"');
  return reply.code(status).type('application/json').send({ statusCode: status, code, error: STATUS_CODES[status] ?? 'Error', message });
}

/** Maps any error to a registered code and a message that holds no input values (bar a field name). */
function classify(err: FastifyError): [InviteErrorCode, string] {
  if (err instanceof InviteError) return [err.code, err.message];
  if (err.validation !== undefined) {
    const first = err.validation[0];
    const extra = (first?.params as { additionalProperty?: unknown } | undefined)?.additionalProperty;
    const suffix = typeof extra === 'string' ? `: ${JSON.stringify(extra.slice(0, 64))}` : '';
    return ['INVITE_ERR_BAD_REQUEST', `${err.message}${suffix}`];
  }
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return ['INVITE_ERR_BODY_TOO_LARGE', new InviteError('INVITE_ERR_BODY_TOO_LARGE').message];
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return ['INVITE_ERR_MALFORMED_JSON', new InviteError('INVITE_ERR_MALFORMED_JSON').message];
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return ['INVITE_ERR_UNSUPPORTED_MEDIA_TYPE', new InviteError('INVITE_ERR_UNSUPPORTED_MEDIA_TYPE').message];
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return ['INVITE_ERR_BAD_REQUEST', 'Content-Length does not match the body.'];
  }
  if (err.statusCode === 429) return ['INVITE_ERR_RATE_LIMITED', new InviteError('INVITE_ERR_RATE_LIMITED').message];
  if (err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500) {
    return ['INVITE_ERR_BAD_REQUEST', err.code?.startsWith('FST_') ? err.message : new InviteError('INVITE_ERR_BAD_REQUEST').message];
  }
  return ['INVITE_ERR_INTERNAL', new InviteError('INVITE_ERR_INTERNAL').message];
}
