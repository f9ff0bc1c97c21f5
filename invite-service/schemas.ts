/**
 * JSON schemas of every route: fastify validates requests and serializes responses with them, and the OpenAPI
 * document is built from the same objects, so the two cannot drift apart.
 */
import { CAPABILITIES, ROLES } from '../token/index.js';
import type { ResolvedOptions } from './options.js';
import { POLICY_LIMITS } from './options.js';

export const MEETING_ID_PATTERN = '^[A-Za-z0-9_-]{22}$';

const participantId = {
  type: 'string',
  pattern: '^[A-Za-z0-9._:@-]{1,128}$',
  description: 'Participant id (the token subject). Letters, digits and . _ : @ -, up to 128. Default: a random id.',
} as const;
const displayName = {
  type: 'string',
  minLength: 1,
  maxLength: 128,
  pattern: '^[^\\u0000-\\u001f\\u007f]+$',
  description: 'Shown to other participants. No control characters.',
} as const;
const role = { type: 'string', enum: [...ROLES] } as const;
const capabilities = {
  type: 'array',
  items: { type: 'string', enum: [...CAPABILITIES] },
  uniqueItems: true,
  maxItems: CAPABILITIES.length,
  description: 'What the participant may publish. Default: host and presenter all, attendee all but screen.',
} as const;

const policyProperties = {
  maxDurationSeconds: { type: 'integer', minimum: 60, maximum: POLICY_LIMITS.maxDurationSeconds },
  maxParticipants: { type: 'integer', minimum: 2, maximum: POLICY_LIMITS.maxParticipants },
  locked: { type: 'boolean', description: 'The meeting starts locked: only hosts may join until a host unlocks it.' },
  singleUseInvites: { type: 'boolean', description: 'Invites are single-use unless an invite says otherwise.' },
} as const;

export const errorSchema = {
  type: 'object',
  required: ['statusCode', 'code', 'error', 'message'],
  properties: {
    statusCode: { type: 'integer' },
    code: { type: 'string', description: 'INVITE_ERR_* code.' },
    error: { type: 'string', description: 'HTTP reason phrase.' },
    message: { type: 'string' },
  },
} as const;

const joinGrant = {
  type: 'object',
  required: ['participantId', 'role', 'capabilities', 'singleUse', 'token', 'joinUrl', 'expiresAt'],
  properties: {
    participantId: { type: 'string' },
    role,
    capabilities: { type: 'array', items: { type: 'string' } },
    displayName: { type: 'string' },
    singleUse: { type: 'boolean' },
    token: {
      type: 'string',
      description: 'The join token (JWT, ES256). Offer it as the WebSocket subprotocol `bearer.<token>`, never in a URL.',
    },
    joinUrl: { type: 'string', description: 'ws(s)://<relay>/v1/meetings/<meetingId>' },
    link: {
      type: 'string',
      description:
        'The web client link to open in a browser (when the service knows the page): `<page>#relay=<joinUrl>&token=<token>`. ' +
        'The token travels in the fragment, which browsers never send to a server; the page clears it from the address bar.',
    },
    expiresAt: { type: 'string', format: 'date-time' },
  },
} as const;

const policyResponse = {
  type: 'object',
  required: ['maxDurationSeconds', 'maxParticipants', 'locked', 'singleUseInvites'],
  properties: {
    maxDurationSeconds: { type: 'integer' },
    maxParticipants: { type: 'integer' },
    locked: { type: 'boolean' },
    singleUseInvites: { type: 'boolean' },
  },
} as const;

/** Error responses every authenticated JSON route may give. */
const authErrors = { 400: errorSchema, 401: errorSchema, 413: errorSchema, 415: errorSchema, 429: errorSchema } as const;

/** The schemas, sized by the service options. */
export function buildSchemas(o: ResolvedOptions) {
  const ttlSeconds = {
    type: 'integer',
    minimum: 1,
    maximum: o.maxTokenTtlSeconds,
    description: `Token lifetime in seconds. Default ${o.defaultTokenTtlSeconds}.`,
  } as const;
  const createMeeting = {
    body: {
      type: 'object',
      additionalProperties: false,
      properties: {
        policy: { type: 'object', additionalProperties: false, properties: policyProperties },
        host: {
          type: 'object',
          additionalProperties: false,
          properties: { participantId, displayName, ttlSeconds },
          description: "The host's own join token.",
        },
      },
    },
    response: {
      201: {
        type: 'object',
        required: ['meetingId', 'createdAt', 'invitesUntil', 'policy', 'host'],
        properties: {
          meetingId: { type: 'string', description: '128 random bits, base64url.' },
          createdAt: { type: 'string', format: 'date-time' },
          invitesUntil: { type: 'string', format: 'date-time', description: 'Invites can be issued until then.' },
          policy: policyResponse,
          host: joinGrant,
        },
      },
      ...authErrors,
      503: errorSchema,
    },
  } as const;
  const createInvites = {
    params: {
      type: 'object',
      required: ['id'],
      additionalProperties: false,
      properties: { id: { type: 'string', pattern: MEETING_ID_PATTERN, description: 'Meeting id.' } },
    },
    body: {
      type: 'object',
      required: ['invites'],
      additionalProperties: false,
      properties: {
        invites: {
          type: 'array',
          minItems: 1,
          maxItems: o.maxInvitesPerRequest,
          items: {
            type: 'object',
            additionalProperties: false,
            properties: {
              participantId,
              role: { ...role, description: 'Default attendee.' },
              capabilities,
              displayName,
              ttlSeconds,
              singleUse: { type: 'boolean', description: "Default: the meeting's singleUseInvites." },
            },
          },
        },
      },
    },
    response: {
      201: {
        type: 'object',
        required: ['meetingId', 'invites'],
        properties: { meetingId: { type: 'string' }, invites: { type: 'array', items: joinGrant } },
      },
      ...authErrors,
      404: errorSchema,
    },
  } as const;
  const jwks = {
    response: {
      200: {
        type: 'object',
        required: ['keys'],
        properties: {
          keys: {
            type: 'array',
            items: {
              type: 'object',
              required: ['kty', 'crv', 'x', 'y', 'kid', 'alg', 'use'],
              properties: {
                kty: { type: 'string' },
                crv: { type: 'string' },
                x: { type: 'string' },
                y: { type: 'string' },
                kid: { type: 'string' },
                alg: { type: 'string' },
                use: { type: 'string' },
              },
            },
          },
        },
      },
      429: errorSchema,
    },
  } as const;
  const healthz = {
    response: {
      200: {
        type: 'object',
        required: ['status'],
        properties: { status: { type: 'string', enum: ['ok'] }, meetings: { type: 'integer' } },
      },
    },
  } as const;
  const metrics = { response: { 200: { type: 'string', description: 'Prometheus text exposition format.' } } } as const;
  const openapi = { response: { 200: { type: 'object', additionalProperties: true }, 429: errorSchema } } as const;
  return { createMeeting, createInvites, jwks, healthz, metrics, openapi };
}

export type Schemas = ReturnType<typeof buildSchemas>;
