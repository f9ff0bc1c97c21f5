/** The Ephemera invite service: meetings, invitations (signed join tokens), the JWKS, host API keys. */
export { createInviteService, type InviteService } from './service.js';
export { resolveOptions, POLICY_LIMITS, type InviteServiceOptions, type ResolvedOptions, type RateLimitWindow } from './options.js';
export { InviteErrors, InviteError, type InviteErrorCode } from './errors.js';
export { addHost, revokeHost, listHosts, readHostsFile, parseApiKey, DEFAULT_SCRYPT, type HostRecord, type HostsFile, type ScryptParams } from './host-keys.js';
export { createHostAuthenticator, type HostAuthenticator, type HostIdentity, type AuthResult } from './host-authenticator.js';
export type { MeetingPolicy, Meeting } from './meeting-store.js';
export { WEB_CLIENT_CSP, type WebClientFile, type WebClientFiles } from './web-client.js';
