/** Builds the OpenAPI 3.1 document from the route table and the schemas fastify uses. */

export interface RouteDoc {
  readonly method: 'GET' | 'POST';
  /** Fastify form: /v1/meetings/:id/invites. */
  readonly url: string;
  readonly operationId: string;
  readonly summary: string;
  readonly auth: boolean;
  readonly schema: {
    readonly body?: object;
    readonly params?: { readonly properties: Readonly<Record<string, object>> };
    readonly response: Readonly<Record<number, object>>;
  };
  /** Content type of the 200/201 response. Default application/json. */
  readonly produces?: string;
}

const REASONS: Record<number, string> = {
  200: 'OK',
  201: 'Created',
  400: 'Invalid input or malformed JSON',
  401: 'Missing, wrong or revoked host API key',
  404: 'Not found',
  413: 'Body too large',
  415: 'Body is not application/json',
  429: 'Rate limited (see Retry-After)',
  503: 'Service full',
};

/** The OpenAPI document for `routes`. */
export function buildOpenApi(routes: readonly RouteDoc[], info: { title: string; version: string }): object {
  const paths: Record<string, Record<string, object>> = {};
  for (const r of routes) {
    const path = r.url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
    const responses: Record<string, object> = {};
    for (const [status, schema] of Object.entries(r.schema.response)) {
      const ok = Number(status) < 300;
      const type = ok ? (r.produces ?? 'application/json') : 'application/json';
      responses[status] = { description: REASONS[Number(status)] ?? 'Response', content: { [type]: { schema } } };
    }
    const op: Record<string, unknown> = {
      operationId: r.operationId,
      summary: r.summary,
      security: r.auth ? [{ hostApiKey: [] }] : [],
      responses,
    };
    if (r.schema.params !== undefined) {
      // Path parameters are always required in OpenAPI.
      op.parameters = Object.entries(r.schema.params.properties).map(([name, schema]) => ({ name, in: 'path', required: true, schema }));
    }
    if (r.schema.body !== undefined) {
      op.requestBody = { required: false, content: { 'application/json': { schema: r.schema.body } } };
    }
    paths[path] = { ...(paths[path] ?? {}), [r.method.toLowerCase()]: op };
  }
  return {
    openapi: '3.1.0',
    info: {
      ...info,
      description:
        'Issues signed join tokens (JWT, ES256) for Ephemera meetings and publishes the public keys. ' +
        'Tokens travel to the relay in the Sec-WebSocket-Protocol header as `bearer.<token>`, never in a URL.',
    },
    components: {
      securitySchemes: {
        hostApiKey: { type: 'http', scheme: 'bearer', description: 'Host API key eph_<key id>_<secret> from `ephemera keys add-host`.' },
      },
    },
    paths,
  };
}
