export { createCairnClient } from './create-client.js';
export type { CairnClient, CairnClientEvents, CairnClientOptions } from './client-api.js';
export type { DeadLetters } from './outbox/dead-letters.js';
export type { Rejection } from './outbox/settle.js';
export type { DeadLetter, OutboxRow } from './replica/replica-store.js';
export { StorageErrorKind, type StorageErrorEvent } from './replica/storage-error.js';
export { backoffDelay, DEFAULT_BACKOFF, type BackoffOptions } from './socket/backoff.js';
export type { NetworkEvents } from './socket/network-events.js';
export { ConnectionState, type Status } from './socket/status.js';
export type { Timers } from './socket/timers.js';
export type { TabPort, TabPortFactory } from './tabs/tab-channel.js';
// spatial/ and xr/ exports are appended below this line.
