/** Durable relay state that must survive a restart (metadata only): used single-use token ids, ended meetings. */
export { ExpiringIdFile, type AddResult, type ExpiringIdFileOptions, type WhenFull } from './expiring-id-file.js';
export { createFileEndedMeetings, createFileReplayStore, statePaths, type DurableStoreOptions } from './durable-stores.js';
