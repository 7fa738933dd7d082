/**
 * The replica the client talks to: IndexedDB while it works, memory once it does not (O6).
 *
 * Any storage failure (open fails, a write fails, the browser closes the db) switches to an in-memory
 * store that carries over the docs, the pending outbox and the dead letters; `storage-error` is emitted
 * and syncing goes on. The memory replica gets a NEW clientId: other tabs may keep writing the shared db
 * under the old one, and a seq allocated twice under one clientId would make the server keep one update
 * and ack the other as a duplicate, losing it. Under a new clientId a carried-over row may be stored twice,
 * which Yjs merges away.
 *
 * A server that bound the clientId to another principal refuses it at hello (CLIENT_ID_TAKEN, C5): the
 * replica then takes a fresh clientId in the same store and keeps its seqs and outbox (renewClientId).
 *
 * A quota failure is the one the replica recovers from: it frees room in IndexedDB (`makeRoom`, an eviction
 * pass) and hands the memory replica's state back (ReplicaStore.adopt), at once and then every
 * `retryPersistMs` until that succeeds. The persistent store takes back its own clientId, and the memory
 * replica's pending rows get new seqs under it; one already pushed under the memory clientId may be stored
 * twice, which Yjs merges away.
 *
 *   IndexedDB ──any failure──▶ memory ──quota only: makeRoom + adopt succeed──▶ IndexedDB
 *                                 ▲                       │ quota again
 *                                 └──── retryPersistMs ───┘
 *
 * `generation` counts switches. Acks and rejects name seqs of the replica their connection said hello
 * for; once the generation moved on those seqs were renumbered, so such frames are dropped.
 */
import * as Y from 'yjs';
import { newClientId, type ErrorCode } from '@cairn/shared';
import type { MemorySeed } from './memory-store.js';
import { createOutboxMirror } from './outbox-mirror.js';
import type { Timers } from '../socket/timers.js';
import type { AlignmentRecord } from './alignment-record.js';
import type { EvictionResult, EvictionRule } from './eviction.js';
import { buildHandover, carriedFrom, NOTHING_CARRIED, type Carried } from './handover.js';
import type { DeadLetter, LocalWrite, MarkedDoc, OutboxRow, RemoteWrite, ReplicaStore, StoredCellIndex, SyncMark } from './replica-store.js';
import { classifyStorageError, type StorageErrorEvent } from './storage-error.js';
import { createCellIndexSaves } from './cell-index-saves.js';

/** After the last cell index save came in: past the opens that asked for them (cell-index-saves.ts). */
const CELL_INDEX_SAVE_DELAY_MS = 1_000;

export interface Replica {
  /** Resolves once a store (IndexedDB or, failing that, memory) is open; never rejects. */
  readonly ready: Promise<void>;
  readonly persisting: boolean;
  readonly clientId: string;
  readonly generation: number;
  loadDoc(doc: string): Promise<Uint8Array[]>;
  loadDocMarked(doc: string): Promise<MarkedDoc>;
  loadCellIndex(doc: string): Promise<StoredCellIndex | null>;
  /**
   * ReplicaStore.saveCellIndex, soon (cell-index-saves.ts) and best effort: a failure only costs the next
   * open its shortcut, never a switch (O6).
   */
  saveCellIndex(doc: string, mark: number, input: unknown): void;
  writeLocal(writes: readonly LocalWrite[], at: number): Promise<number[]>;
  writeRemote(doc: string, update: Uint8Array | null, version: number | null): Promise<void>;
  writeRemotes(writes: readonly RemoteWrite[]): Promise<void>;
  docVersion(doc: string): Promise<number>;
  syncMark(doc: string): Promise<SyncMark>;
  setSyncMark(doc: string, mark: SyncMark): Promise<void>;
  docsMarkedBefore(epoch: string): Promise<string[]>;
  outboxAfter(seq: number, generation: number): Promise<OutboxRow[]>;
  outboxSize(): Promise<number>;
  ack(seq: number, generation: number): Promise<void>;
  deadLetter(seq: number, code: ErrorCode, message: string, at: number, generation: number): Promise<DeadLetter | null>;
  deadLetters(): Promise<DeadLetter[]>;
  /** CLIENT_ID_TAKEN at hello (C5): moves to a fresh clientId (see ReplicaStore.renewClientId). */
  renewClientId(taken: string): Promise<void>;
  retryDeadLetter(seq: number, at: number): Promise<number | null>;
  discardDeadLetter(seq: number): Promise<boolean>;
  /** L2: the doc was deleted on the server (ReplicaStore.dropDoc). */
  dropDoc(doc: string, code: ErrorCode, message: string, at: number): Promise<{ held: boolean; letters: DeadLetter[] }>;
  loadAlignment(space: string): Promise<unknown>;
  saveAlignment(space: string, record: AlignmentRecord | null): Promise<void>;
  visit(docs: readonly string[], at: number): Promise<void>;
  evict(rule: EvictionRule): Promise<EvictionResult>;
  compacted(): Promise<void>;
  close(): Promise<void>;
}

export interface ReplicaOptions {
  /** Opens the persistent store; `onFailure` is for failures the store sees outside any call (eviction). */
  open(onFailure: (err: unknown) => void): Promise<ReplicaStore>;
  memory(seed: Omit<MemorySeed, 'compactThreshold'>): ReplicaStore;
  /** Full states of the docs open right now: they may hold more than a failed store can give back. */
  openDocStates(): Iterable<readonly [string, Uint8Array]>;
  onStorageError(event: StorageErrorEvent): void;
  /** The replica moved to memory mid-session, or back: a new clientId and renumbered seqs. */
  onSwitched(): void;
  /**
   * After a quota failure, before the memory replica is handed back: frees room in the reopened store.
   * `keep`: docs the memory replica holds unsynced edits of (the store does not see them in its outbox).
   */
  makeRoom(store: ReplicaStore, keep: ReadonlySet<string>): Promise<void>;
  /** The memory replica was handed back to IndexedDB: persisting again. */
  onResumed(): void;
  timers: Timers;
  retryPersistMs: number;
}


export function createReplica(o: ReplicaOptions): Replica {
  let store: ReplicaStore | null = null;
  let clientId = '';
  let generation = 0;
  let persisting = false;
  let switching: Promise<void> | null = null;
  let closed = false;
  let mirror = createOutboxMirror();
  /** Set while the memory replica stands in after a quota failure: what to hand back. */
  let handBack: Carried | null = null;
  /** Docs written locally into the memory replica since it took over. */
  const touched = new Set<string>();
  let retry: unknown = null;
  let quotaSwitches = 0;
  const saves = createCellIndexSaves(
    async (doc, mark, input) => {
      await ready;
      if (switching || closed) return;
      await current().saveCellIndex(doc, mark, input);
    },
    o.timers,
    CELL_INDEX_SAVE_DELAY_MS,
  );

  const ready = (async () => {
    let opened: ReplicaStore | null = null;
    try {
      opened = await o.open((err) => {
        if (opened) void fail(opened, err);
      });
      clientId = await opened.clientId();
      persisting = opened.persistent;
      store = opened;
    } catch (err) {
      await opened?.close().catch(() => undefined);
      store = o.memory({ clientId: newClientId() });
      clientId = await store.clientId();
      persisting = false;
      const kind = classifyStorageError(err);
      o.onStorageError({ kind, error: err });
      if (kind === 'quota') retryPersisting(NOTHING_CARRIED, quotaSwitches++ === 0 ? 0 : o.retryPersistMs);
    }
  })();

  const current = (): ReplicaStore => store!;

  function fail(failed: ReplicaStore, err: unknown): Promise<void> {
    if (switching) return switching;
    if (failed !== store || closed) return Promise.resolve();
    const kind = classifyStorageError(err);
    switching = (async () => {
      // An evicted db cannot be read back (Dexie would re-create it empty): the mirror is all there is.
      const dump = kind === 'evicted' ? null : await failed.dump().catch(() => null);
      await failed.close().catch(() => undefined);
      const carried = dump ?? {
        docs: new Map<string, Uint8Array>(), versions: new Map<string, number>(), alignments: new Map<string, unknown>(), ...mirror.snapshot(),
      };
      const docs = new Map(carried.docs);
      for (const [doc, state] of o.openDocStates()) {
        const prior = docs.get(doc);
        docs.set(doc, prior ? Y.mergeUpdates([prior, state]) : state);
      }
      store = o.memory({ clientId: newClientId(), docs, versions: carried.versions, outbox: carried.outbox, deadLetters: carried.deadLetters, alignments: carried.alignments });
      clientId = await store.clientId();
      generation++;
      persisting = false;
      switching = null;
      o.onStorageError({ kind, error: err });
      o.onSwitched();
      if (kind === 'quota') {
        // At once the first time; after that a compaction or write that fills the disk again must not
        // switch back and forth at the pace of the event loop.
        retryPersisting(carriedFrom(carried), quotaSwitches++ === 0 ? 0 : o.retryPersistMs);
      }
    })();
    return switching;
  }

  function retryPersisting(from: Carried, ms: number): void {
    handBack = from;
    if (closed || retry !== null) return;
    retry = o.timers.setTimeout(() => {
      retry = null;
      void resume();
    }, ms);
  }

  /** Reopens IndexedDB, makes room and hands the memory replica back; on quota again, tries later. */
  async function resume(): Promise<void> {
    if (closed || handBack === null) return;
    if (switching) return retryPersisting(handBack, o.retryPersistMs);
    const from = handBack;
    let opened: ReplicaStore | null = null;
    try {
      opened = await o.open((err) => {
        if (opened) void fail(opened, err);
      });
      const memory = current();
      const pending = new Set([...(await memory.outboxAfter(0)), ...(await memory.deadLetters())].map((r) => r.doc));
      await o.makeRoom(opened, new Set([...pending, ...touched]));
      if (closed) throw new Error('the replica was closed'); // caught below: the opened store is closed
      await handOver(memory, opened, from);
    } catch (err) {
      if (opened !== null && store !== opened) await opened.close().catch(() => undefined);
      if (classifyStorageError(err) === 'quota') retryPersisting(from, o.retryPersistMs);
      else handBack = null; // not a quota failure: stay in memory, as for any other failure
    }
  }

  async function handOver(memory: ReplicaStore, target: ReplicaStore, from: Carried): Promise<void> {
    let failure: { err: unknown } | null = null;
    switching = (async () => {
      await target.adopt(buildHandover(await memory.dump(), new Map(o.openDocStates()), touched, from));
      const id = await target.clientId();
      const next = createOutboxMirror();
      next.saw(await target.outboxAfter(0));
      next.sawDeadLetters(await target.deadLetters());
      store = target;
      clientId = id;
      mirror = next;
      generation++;
      persisting = true;
      handBack = null;
      touched.clear();
      await memory.close();
    })().catch((err: unknown) => {
      failure = { err };
    });
    await switching;
    switching = null;
    if (failure) throw (failure as { err: unknown }).err;
    o.onResumed();
    o.onSwitched();
  }

  /**
   * Runs `op` on the current store; after a storage failure, switches and runs it again on memory.
   * `rerun`: also run it again if it succeeded on a store that was left meanwhile (a write landing
   * there after the carry-over was read would be lost).
   */
  async function use<T>(op: (s: ReplicaStore) => Promise<T>, rerun = false): Promise<T> {
    await ready;
    for (;;) {
      if (switching) await switching;
      const s = current();
      try {
        const result = await op(s);
        if (rerun && s !== store) continue;
        return result;
      } catch (err) {
        if (!s.persistent || closed) throw err;
        await fail(s, err);
      }
    }
  }

  /** use() for seqs named by a connection of `gen`: skipped once the replica moved on. */
  async function useAt<T>(gen: number, skipped: T, op: (s: ReplicaStore) => Promise<T>): Promise<T> {
    await ready;
    for (;;) {
      if (switching) await switching;
      if (gen !== generation) return skipped;
      const s = current();
      try {
        return await op(s);
      } catch (err) {
        if (!s.persistent || closed) throw err;
        await fail(s, err);
      }
    }
  }

  return {
    ready,
    get persisting() {
      return persisting;
    },
    get clientId() {
      return clientId;
    },
    get generation() {
      return generation;
    },
    loadDoc: (doc) => use((s) => s.loadDoc(doc)),
    loadDocMarked: (doc) => use((s) => s.loadDocMarked(doc)),
    loadCellIndex: (doc) => use((s) => s.loadCellIndex(doc)),
    saveCellIndex: (doc, mark, input) => saves.add(doc, mark, input),
    writeLocal: (writes, at) =>
      use(async (s) => {
        const seqs = await s.writeLocal(writes, at);
        if (!s.persistent) for (const w of writes) touched.add(w.doc);
        if (s.persistent) mirror.saw(writes.map((w, i) => ({ seq: seqs[i]!, doc: w.doc, update: w.update, createdAt: at })));
        return seqs;
      }, true),
    writeRemote: (doc, update, version) => use((s) => s.writeRemote(doc, update, version), true),
    writeRemotes: (writes) => use((s) => s.writeRemotes(writes), true),
    docVersion: (doc) => use((s) => s.docVersion(doc)),
    syncMark: (doc) => use((s) => s.syncMark(doc)),
    setSyncMark: (doc, mark) => use((s) => s.setSyncMark(doc, mark), true),
    docsMarkedBefore: (epoch) => use((s) => s.docsMarkedBefore(epoch)),
    outboxAfter: (seq, gen) =>
      useAt(gen, [], async (s) => {
        const rows = await s.outboxAfter(seq);
        if (s.persistent) mirror.saw(rows);
        return rows;
      }),
    outboxSize: () => use((s) => s.outboxSize()),
    ack: (seq, gen) =>
      useAt(gen, undefined, async (s) => {
        await s.ack(seq);
        mirror.acked(seq);
      }),
    deadLetter: (seq, code, message, at, gen) =>
      useAt(gen, null, async (s) => {
        const letter = await s.deadLetter(seq, code, message, at);
        if (letter && s.persistent) mirror.deadLettered(letter);
        return letter;
      }),
    deadLetters: () =>
      use(async (s) => {
        const letters = await s.deadLetters();
        if (s.persistent) mirror.sawDeadLetters(letters);
        return letters;
      }),
    renewClientId: (taken) =>
      use(async (s) => {
        clientId = await s.renewClientId(taken);
      }),
    retryDeadLetter: (seq, at) =>
      use(async (s) => {
        const next = await s.retryDeadLetter(seq, at);
        if (next !== null && s.persistent) mirror.retried(seq, next, at);
        return next;
      }),
    discardDeadLetter: (seq) =>
      use(async (s) => {
        const found = await s.discardDeadLetter(seq);
        mirror.discarded(seq);
        return found;
      }),
    dropDoc: (doc, code, message, at) =>
      use(async (s) => {
        const dropped = await s.dropDoc(doc, code, message, at);
        if (s.persistent) for (const letter of dropped.letters) mirror.deadLettered(letter);
        return dropped;
      }, true),
    loadAlignment: (space) => use((s) => s.loadAlignment(space)),
    saveAlignment: (space, record) => use((s) => s.saveAlignment(space, record), true),
    visit: (docs, at) => use((s) => s.visit(docs, at)),
    evict: (rule) => use((s) => s.evict(rule)),
    compacted: () => use((s) => s.compacted()),
    async close() {
      await ready;
      if (switching) await switching;
      await saves.flush(); // before `closed`: the pending saves still go to this store
      closed = true;
      if (retry !== null) o.timers.clearTimeout(retry);
      await current().close();
    },
  };
}
