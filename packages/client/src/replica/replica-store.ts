/**
 * The replica's storage seam (internal): one Dexie implementation (IndexedDB, shared by the tabs of an
 * origin) and one in-memory implementation (no IndexedDB, or after a storage failure, O6). Both keep the
 * same four things: each doc's state as a snapshot plus appended update rows, the outbox, the dead letters
 * and the meta values (clientId, lastSeq, the last server version seen per doc and its epoch, the device's
 * alignment per space).
 */
import type { ErrorCode } from '@cairn/shared';
import type { AlignmentRecord } from './alignment-record.js';
import type { EvictionResult, EvictionRule } from './eviction.js';

/** A local update waiting for its ack (O2). `seq` is the replica's gap-free push counter, across docs. */
export interface OutboxRow {
  seq: number;
  doc: string;
  update: Uint8Array;
  /** Milliseconds since the epoch when the edit was written. */
  createdAt: number;
}

/** A push the server rejected for good (O7), kept with its code until the app retries or discards it. */
export interface DeadLetter {
  seq: number;
  doc: string;
  update: Uint8Array;
  code: ErrorCode;
  message: string;
  /** Milliseconds since the epoch when the rejection arrived. */
  at: number;
}

/** L3: what the replica knows of the server's copy of a doc (see ReplicaStore.syncMark). */
export interface SyncMark {
  version: number;
  epoch: string | null;
}

export interface LocalWrite {
  doc: string;
  update: Uint8Array;
}

/** A server update for the doc state: `update` null records only the version (an empty sync), `version` null none. */
export interface RemoteWrite {
  doc: string;
  update: Uint8Array | null;
  version: number | null;
}

/** Everything a replica holds, to carry over into another one. */
export interface ReplicaDump {
  docs: Map<string, Uint8Array>;
  versions: Map<string, number>;
  outbox: OutboxRow[];
  deadLetters: DeadLetter[];
  /** Stored alignments by space, as read (unvalidated). */
  alignments: Map<string, unknown>;
}

/**
 * What an in-memory replica hands back to the persistent store once it can write again (after a quota
 * failure, replica.ts): the rows it read from this store when it took over are replaced by its own.
 */
export interface Handover {
  /** Full states of the docs to bring up to date; only what the store lacks of each is appended. */
  docs: ReadonlyMap<string, Uint8Array>;
  versions: ReadonlyMap<string, number>;
  /** Pending rows in seq order; they get new seqs here, after lastSeq. */
  outbox: readonly Omit<OutboxRow, 'seq'>[];
  /** Dead letters in seq order; they get new seqs here too. */
  deadLetters: readonly Omit<DeadLetter, 'seq'>[];
  alignments: ReadonlyMap<string, unknown>;
  /** Seqs of this store's outbox rows and dead letters the memory replica carried (now in the lists above, or done). */
  dropOutbox: readonly number[];
  dropDeadLetters: readonly number[];
  /** Spaces whose alignment the memory replica carried and then deleted. */
  dropAlignments: readonly string[];
}

/**
 * A doc's stored state with its mark: the id of the last update row its state holds (a compacted snapshot
 * keeps the mark of the rows it merged). Rows are only ever appended, with growing ids, and a dropped or
 * evicted doc loses its cell index with it, so one mark names one content.
 */
export interface MarkedDoc {
  rows: Uint8Array[];
  /** null: this store keeps no marks (memory). */
  mark: number | null;
}

/** The cell index stored for the doc's content at `mark` (cell-index.ts), if that is still its content. */
export interface StoredCellIndex {
  mark: number;
  input: unknown;
}

export interface ReplicaStore {
  /** False for the in-memory store: nothing survives a reload. */
  readonly persistent: boolean;
  /** The replica's clientId, minted on first use and kept in meta. */
  clientId(): Promise<string>;
  /**
   * The server bound `taken` to another principal (C5): replaces it with a fresh clientId unless it was
   * replaced already (by another tab), and returns the clientId now in use. Seqs and the outbox stay: the
   * server has stored nothing under a fresh id, so no seq of it can be mistaken for a duplicate.
   */
  renewClientId(taken: string): Promise<string>;
  /** The doc's stored state as updates to apply in order (snapshot first); [] if the doc is unknown. */
  loadDoc(doc: string): Promise<Uint8Array[]>;
  /** loadDoc, with the rows' mark (MarkedDoc). */
  loadDocMarked(doc: string): Promise<MarkedDoc>;
  /** The doc's cell index, if one is stored for its current mark; null otherwise. */
  loadCellIndex(doc: string): Promise<StoredCellIndex | null>;
  /**
   * Keeps `input` as the doc's cell index if its stored rows still end at `mark`; otherwise (rows appended,
   * the doc dropped) does nothing, so a stale one is never stored. A cache: a failure loses nothing.
   */
  saveCellIndex(doc: string, mark: number, input: unknown): Promise<void>;
  /**
   * O1: each write is appended to its doc's state AND to the outbox in ONE transaction, with seqs
   * allocated from meta.lastSeq inside it (tabs sharing the db never collide). Returns the seqs, in order.
   */
  writeLocal(writes: readonly LocalWrite[], at: number): Promise<number[]>;
  /** Appends a server update (or a tab's, when not sharing the db) to the doc state; never the outbox. */
  writeRemote(doc: string, update: Uint8Array | null, version: number | null): Promise<void>;
  /** writeRemote of many, in order, in ONE transaction (inbound/apply-remote.ts coalesces server updates). */
  writeRemotes(writes: readonly RemoteWrite[]): Promise<void>;
  /** The last server version seen for the doc, 0 if none. */
  docVersion(doc: string): Promise<number>;
  /**
   * L3: the doc's last server version and the server epoch it counts in (null: never synced with a server
   * that states one, protocol < 4).
   */
  syncMark(doc: string): Promise<SyncMark>;
  /** Sets the doc's mark exactly (after a restore the version goes DOWN to the restored server's). */
  setSyncMark(doc: string, mark: SyncMark): Promise<void>;
  /** Docs whose mark names an epoch other than `epoch`: synced before the server was restored (L3). */
  docsMarkedBefore(epoch: string): Promise<string[]>;
  /** Outbox rows with seq > `seq`, in seq order. */
  outboxAfter(seq: number): Promise<OutboxRow[]>;
  outboxSize(): Promise<number>;
  /** Deletes every outbox row with seq ≤ `seq` (the server made them durable). */
  ack(seq: number): Promise<void>;
  /** Moves the outbox row to the dead letters (O7); null if the row is no longer in the outbox. */
  deadLetter(seq: number, code: ErrorCode, message: string, at: number): Promise<DeadLetter | null>;
  deadLetters(): Promise<DeadLetter[]>;
  /** Moves a dead letter back into the outbox under a NEW seq; null if there is no such dead letter. */
  retryDeadLetter(seq: number, at: number): Promise<number | null>;
  discardDeadLetter(seq: number): Promise<boolean>;
  /**
   * L2: the server deleted the doc. In ONE transaction: its state and version go, and its outbox rows move to
   * the dead letters with `code` (O7: never dropped silently). `held` says whether the replica had any
   * state of the doc; `letters` are the rows moved, in seq order.
   */
  dropDoc(doc: string, code: ErrorCode, message: string, at: number): Promise<{ held: boolean; letters: DeadLetter[] }>;
  /** The device's stored alignment to the space (P3), unvalidated; undefined if none. */
  loadAlignment(space: string): Promise<unknown>;
  /** Replaces the space's stored alignment; null deletes it. */
  saveAlignment(space: string, record: AlignmentRecord | null): Promise<void>;
  dump(): Promise<ReplicaDump>;
  /** Records that the docs were visited (opened, held, closed) at `at`: eviction goes by the last visit. */
  visit(docs: readonly string[], at: number): Promise<void>;
  /** Deletes the stored cell docs the rule picks (eviction.ts), with their versions and visits, in ONE transaction. */
  evict(rule: EvictionRule): Promise<EvictionResult>;
  /** Takes over a memory replica's state in ONE transaction (see Handover). */
  adopt(handover: Handover): Promise<void>;
  /** Resolves when background compaction has caught up. */
  compacted(): Promise<void>;
  close(): Promise<void>;
}
