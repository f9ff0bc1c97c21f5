/** The Ephemera relay. */
export { startRelay, type Relay, type RelayTestHooks } from './relay.js';
export { resolveRelayOptions, parseRelaySettings, relayHelp, RelayConfigError, type RelayOptions } from './config/relay-options.js';
export { SETTINGS, flagName, envName } from './config/settings.js';
export type * from './meeting/meeting.types.js';
