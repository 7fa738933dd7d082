/**
 * The public surface of `createCairnClient()`: its options, events and methods. packages/client/README.md
 * documents each of them.
 */
import type * as Y from 'yjs';
import type { CairnError, ClientSocketFactory } from '@cairn/shared';
import type { DeadLetters } from './outbox/dead-letters.js';
import type { Rejection } from './outbox/settle.js';
import type { DocDeleted } from './inbound/doc-deletion.js';
import type { StorageErrorEvent } from './replica/storage-error.js';
import type { BackoffOptions } from './socket/backoff.js';
import type { NetworkEvents } from './socket/network-events.js';
import type { Probe } from './socket/probe.js';
import type { Status } from './socket/status.js';
import type { Timers } from './socket/timers.js';
import type { Space, SpaceOptions } from './spatial/space-api.js';
import type { TabPortFactory } from './tabs/tab-channel.js';
import type { DeviceAlignment, DeviceAlignmentOptions } from './xr/device-alignment.js';
import type { AnchorAt, AnchorsAtQuery, HistoricalDoc, HistoryTarget } from './history/history-reads.js';

export interface CairnClientOptions {
  /**
   * The server's native endpoint, an absolute `ws://` or `wss://` URL, e.g. `wss://cairn.example.com/v1/sync`.
   * Anything else throws `CairnError('INVALID_URL')` at once (never resolved against the page).
   */
  url: string;
  /**
   * Sent in `hello`. A function is called before every connect (fetch a fresh token there), also when the
   * server ends a session because its token expired (TOKEN_EXPIRED, S8): the client reconnects at once.
   */
  token?: string | (() => string | Promise<string>);
  /** IndexedDB database (and BroadcastChannel) name. Default `'cairn'`. */
  dbName?: string;
  /** `'memory'` keeps the replica in memory only (no storage-error; `persisting` is false). Default `'indexeddb'`. */
  persistence?: 'indexeddb' | 'memory';
  /** IndexedDB implementation (e.g. fake-indexeddb in Node). Default: the global one. */
  indexedDB?: IDBFactory;
  IDBKeyRange?: typeof IDBKeyRange;
  /** Socket factory. Default: `new WebSocket(url)` with binaryType 'arraybuffer'. */
  socket?: ClientSocketFactory;
  /**
   * Says why a socket failed its handshake (UNREACHABLE, NOT_FOUND, ORIGIN_NOT_ALLOWED); null turns diagnosis
   * off. Default: a `fetch` GET of the URL with the http(s) scheme (socket/probe.ts).
   */
  probe?: Probe | null;
  /** Heartbeat interval; overrides the server's (welcome.heartbeatMs). */
  heartbeatMs?: number;
  /** Tab channel factory; null turns tab sharing off. Default: BroadcastChannel where it exists. */
  broadcastChannel?: TabPortFactory | null;
  /** Source of `online`/`offline` events; null ignores them. Default: `window` in a browser. */
  networkEvents?: NetworkEvents | null;
  /** Random numbers in [0, 1) for backoff jitter. Default Math.random. */
  random?: () => number;
  /** Timers for backoff, heartbeat, anchor expiry sweeps and region hysteresis. Default: the global setTimeout/clearTimeout. */
  timers?: Timers;
  /** Wall clock for createdAt/at stamps, anchor HLCs and TTLs (X4). Default Date.now. */
  now?: () => number;
  /** Update rows per doc before they are merged into its snapshot. Default 64. */
  compactThreshold?: number;
  /** Reconnect backoff. Default base 250 ms, cap 30 s. */
  backoff?: Partial<BackoffOptions>;
  /** The fetch history reads use (`openAt`, `anchorsAt`). Default: the global fetch. */
  fetch?: typeof fetch;
  /** How the replica stays bounded (cell eviction) and recovers from a full disk (O6). */
  replica?: ReplicaOptions;
}

/** `createCairnClient({ replica })`: eviction of cell docs from the replica (replica/eviction.ts). */
export interface ReplicaOptions {
  /**
   * Cell docs not visited (held open by a region, `openCells` or a write) for this long are deleted from
   * the replica, unless they hold unsynced edits (outbox rows or dead letters); a re-visit re-syncs them from
   * the server. Meta and app docs are never evicted. Default 30 days; `Infinity`: never by age.
   */
  evictAfterMs?: number;
  /** At most this many cell docs stay stored; beyond it the least recently visited go first. Default: no bound. */
  maxCells?: number;
  /** After a quota failure, how often persisting is retried (after an eviction pass). Default 30 s. */
  retryPersistMs?: number;
  /** Timers for eviction passes and persist retries. Default: the global setTimeout/clearTimeout. */
  timers?: Timers;
}

/** The payload of the `cells-evicted` event. */
export interface CellsEvicted {
  /** Ids of the cell docs deleted from the replica, sorted. */
  docs: string[];
  /** Stored bytes of their snapshots and update rows (what IndexedDB had of them before compaction of its own). */
  bytes: number;
}

export interface CairnClientEvents {
  /** The state, pending count or persistence changed. */
  status: Status;
  /**
   * IndexedDB failed; the client now keeps its replica in memory (O6). After kind 'quota' it evicts cells
   * and retries persisting: `status.persisting` turns true again once it could.
   */
  'storage-error': StorageErrorEvent;
  /** An eviction pass deleted cell docs from the replica (on start, periodically, or to make room after a quota error). */
  'cells-evicted': CellsEvicted;
  /** A push was moved to the dead letters, or a subscription was refused (O7). */
  rejected: Rejection;
  /**
   * L2: the server deleted a doc this client held (or the doc's whole space): its copy is gone from the
   * replica, its anchors from the space's index, its unacknowledged edits are dead letters (DOC_DELETED),
   * and it is closed. Once per doc; a space delete gives one per doc the client held of it.
   */
  'doc-deleted': DocDeleted;
  /**
   * Always a CairnError with a catalog code. Connection errors: fatal ones (UNAUTHENTICATED,
   * PROTOCOL_VERSION, NOT_FOUND, ORIGIN_NOT_ALLOWED: offline until goOnline()), UNREACHABLE (retries go on),
   * each diagnosis once per streak of failed connects. Updates from the server or another tab that do not
   * apply: INVALID_UPDATE; a frame the client cannot use: MALFORMED_FRAME. Any other failure (a `token`
   * function or socket factory that throws, one nobody foresaw) is INTERNAL, with the original as `cause`.
   */
  error: CairnError;
}

export interface CairnClient {
  /** The doc, hydrated from the replica and subscribed. Repeated opens return the same Y.Doc. */
  open(docId: string): Promise<Y.Doc>;
  /** Unsubscribes and stops watching the doc once its local writes are persisted. */
  close(docId: string): Promise<void>;
  readonly status: Status;
  /** False while the replica lives in memory only (O6). */
  readonly persisting: boolean;
  /**
   * The replica's id; null until the replica is open. Changes once if storage fails (O6), and when the
   * server refuses it as another principal's (CLIENT_ID_TAKEN, C5): nothing pending is lost either way.
   */
  readonly clientId: string | null;
  on<K extends keyof CairnClientEvents>(event: K, fn: (value: CairnClientEvents[K]) => void): () => void;
  off<K extends keyof CairnClientEvents>(event: K, fn: (value: CairnClientEvents[K]) => void): void;
  readonly deadLetters: DeadLetters;
  /** Closes the socket and stays offline until goOnline(); edits keep going to the outbox. */
  goOffline(): void;
  /** Connects now (skipping any backoff), also after a fatal rejection. */
  goOnline(): void;
  /** Resolves when the status is `synced`; rejects on a fatal rejection or destroy(). */
  whenSynced(): Promise<void>;
  /** Resolves when every local edit made so far is written to the replica and outbox. */
  flush(): Promise<void>;
  /**
   * The space's anchors and regions (DESIGN §6), one instance per name until it is closed. Returns at
   * once; methods wait for the space's meta doc. `opts` are defaults for a space with no stored meta.
   */
  space(name: string, opts?: SpaceOptions): Space;
  /**
   * This device's alignment to the space (P3): its tracking frame fitted to the shared anchors it observed,
   * stored in the replica. One instance per space name; `opts` apply when it is first asked for.
   */
  alignment(space: string, opts?: DeviceAlignmentOptions): DeviceAlignment;
  /**
   * L1: the doc as of a version or a time, read from the server over REST (needs a connection, read access
   * to the space). A DETACHED copy: edits to it never leave the device. BAD_REQUEST for a version past the
   * head; a time before the doc existed gives an empty doc at version 0.
   */
  openAt(docId: string, target: HistoryTarget): Promise<HistoricalDoc>;
  /** L1: a space's anchors as of a time, from the server (REST `anchors?at=`), merged as replicas merge them. */
  anchorsAt(space: string, at: Date | string, query?: AnchorsAtQuery): Promise<AnchorAt[]>;
  /** Flushes local writes, closes the spaces, the socket, the tab channel and the database. */
  destroy(): Promise<void>;
}
