/**
 * The IndexedDB replica (Dexie 4). One database per client `dbName`, shared by every tab of the origin:
 *
 *   docs         doc → snapshot           compacted state (Y.mergeUpdates of older rows)
 *   updates      ++id, doc → update       appended since the snapshot, in id order
 *   outbox       seq → doc, update, createdAt
 *   deadLetters  seq → doc, update, code, message, at
 *   meta         key → value              clientId, lastSeq, version:<doc>, visit:<doc>, epoch:<doc>, alignment:<space>
 *   cellIndex    doc → mark, input        (schema 2) a cell doc's index input for its rows up to mark (MarkedDoc)
 *
 * Schema 2 needs an upgrade, which a tab still open at schema 1 blocks until it closes (O6 'blocked').
 *
 * Every multi-row change is one rw transaction; nothing awaits anything but Dexie inside one (a foreign
 * await would commit the IndexedDB transaction early).
 */
import { Dexie } from 'dexie';
import * as Y from 'yjs';
import { newClientId } from '@cairn/shared';
import { createCompactor } from './compactor.js';
import { isCellDoc, pickEvictions } from './eviction.js';
import type { DeadLetter, OutboxRow, RemoteWrite, ReplicaStore } from './replica-store.js';
import { StorageFailure, classifyStorageError } from './storage-error.js';

/** `upTo`: the id of the last update row merged into the snapshot (absent in snapshots before schema 2). */
interface DocRow { doc: string; snapshot: Uint8Array; upTo?: number }
interface CellIndexRow { doc: string; mark: number; input: unknown }
interface UpdateRow { id?: number; doc: string; update: Uint8Array }
interface MetaRow { key: string; value: unknown }

const SCHEMA = { docs: 'doc', updates: '++id, doc', outbox: 'seq', deadLetters: 'seq', meta: 'key' };
/** Schema 2 adds a table and keeps every row of schema 1: no upgrade function. */
const SCHEMA_2 = { cellIndex: 'doc' };
const LAST_SEQ = 'lastSeq';
const versionKey = (doc: string) => `version:${doc}`;
const EPOCH = 'epoch:';
const ALIGNMENT = 'alignment:';
// Visits live in meta, not in a table of their own: a new table needs a schema upgrade, which an open
// older tab blocks (O6 'blocked').
const VISIT = 'visit:';

/** An update with no structs and no deletes (what diffUpdate gives when nothing is missing). */
const isEmptyUpdate = (u: Uint8Array) => u.byteLength === 2 && u[0] === 0 && u[1] === 0;

export interface DexieStoreOptions {
  dbName: string;
  indexedDB?: IDBFactory | undefined;
  IDBKeyRange?: typeof IDBKeyRange | undefined;
  compactThreshold: number;
  /**
   * A failure outside any call: the browser closed the database under us (a StorageFailure 'evicted'),
   * or background compaction ran out of quota.
   */
  onFailure: (err: unknown) => void;
}

/** Opens the database; rejects with the open error (or a StorageFailure for 'unavailable'/'blocked'). */
export async function openDexieStore(o: DexieStoreOptions): Promise<ReplicaStore & { readonly db: Dexie }> {
  const indexedDB = o.indexedDB ?? globalThis.indexedDB;
  const keyRange = o.IDBKeyRange ?? globalThis.IDBKeyRange;
  if (!indexedDB || !keyRange) throw new StorageFailure('unavailable', 'IndexedDB is not available in this environment');
  const db = new Dexie(o.dbName, { indexedDB, IDBKeyRange: keyRange });
  db.version(1).stores(SCHEMA);
  db.version(2).stores(SCHEMA_2);
  const docs = db.table<DocRow, string>('docs');
  const updates = db.table<UpdateRow, number>('updates');
  const outbox = db.table<OutboxRow, number>('outbox');
  const deadLetters = db.table<DeadLetter, number>('deadLetters');
  const meta = db.table<MetaRow, string>('meta');
  const cellIndex = db.table<CellIndexRow, string>('cellIndex');

  let closing = false;
  // IDBDatabase fires 'close' only when the browser closes it, never for db.close(): that is eviction.
  const onBackendClose = () => {
    if (!closing) o.onFailure(new StorageFailure('evicted', `the browser closed IndexedDB database ${o.dbName}`));
  };
  db.on('ready', () => db.backendDB().addEventListener('close', onBackendClose), true);

  let blocked: (err: StorageFailure) => void = () => undefined;
  const whenBlocked = new Promise<never>((_, reject) => (blocked = reject));
  whenBlocked.catch(() => undefined);
  db.on('blocked', () => blocked(new StorageFailure('blocked', `opening ${o.dbName} is blocked by another connection holding an older version`)));
  try {
    await Promise.race([db.open(), whenBlocked]);
  } catch (err) {
    closing = true;
    db.close();
    throw err;
  }

  const compactor = createCompactor(
    async (doc) => {
      if ((await updates.where('doc').equals(doc).count()) <= o.compactThreshold) return;
      await db.transaction('rw', [docs, updates], async () => {
        const rows = await updates.where('doc').equals(doc).toArray();
        const snapshot = await docs.get(doc);
        const parts = rows.map((r) => r.update);
        if (snapshot) parts.unshift(snapshot.snapshot);
        await docs.put({ doc, snapshot: Y.mergeUpdates(parts), upTo: markOf(snapshot, rows) });
        await updates.bulkDelete(rows.map((r) => r.id!));
      });
    },
    (err) => {
      // Compaction only saves space; a failure is retried on the next write unless the disk is full.
      if (classifyStorageError(err) === 'quota') o.onFailure(err);
    },
  );

  /** MarkedDoc.mark: rows come in id order (the 'doc' index sorts by primary key within a doc). */
  const markOf = (snapshot: DocRow | undefined, rows: readonly UpdateRow[]): number => rows.at(-1)?.id ?? snapshot?.upTo ?? 0;
  const readMarked = async (doc: string) => {
    const snapshot = await docs.get(doc);
    const rows = await updates.where('doc').equals(doc).toArray();
    return { snapshot, rows, mark: markOf(snapshot, rows) };
  };

  const lastSeq = async () => ((await meta.get(LAST_SEQ))?.value as number | undefined) ?? 0;

  const writeRemotes = async (writes: readonly RemoteWrite[]): Promise<void> => {
    const rows: { doc: string; update: Uint8Array }[] = [];
    const versions = new Map<string, number>();
    for (const w of writes) {
      if (w.update) rows.push({ doc: w.doc, update: w.update });
      if (w.version !== null && w.version > (versions.get(w.doc) ?? 0)) versions.set(w.doc, w.version);
    }
    await db.transaction('rw', [updates, meta], async () => {
      if (rows.length > 0) await updates.bulkAdd(rows);
      for (const [doc, version] of versions) {
        const known = ((await meta.get(versionKey(doc)))?.value as number | undefined) ?? 0;
        if (version > known) await meta.put({ key: versionKey(doc), value: version });
      }
    });
    for (const doc of new Set(rows.map((r) => r.doc))) compactor.note(doc);
  };

  return {
    db,
    persistent: true,
    clientId: () =>
      db.transaction('rw', meta, async () => {
        const row = await meta.get('clientId');
        if (typeof row?.value === 'string') return row.value;
        const id = newClientId();
        await meta.put({ key: 'clientId', value: id });
        return id;
      }),
    renewClientId: (taken) =>
      db.transaction('rw', meta, async () => {
        const row = await meta.get('clientId');
        if (typeof row?.value === 'string' && row.value !== taken) return row.value;
        const id = newClientId();
        await meta.put({ key: 'clientId', value: id });
        return id;
      }),
    async loadDoc(doc) {
      return db.transaction('r', [docs, updates], async () => {
        const snapshot = await docs.get(doc);
        const rows = await updates.where('doc').equals(doc).toArray();
        return [...(snapshot ? [snapshot.snapshot] : []), ...rows.map((r) => r.update)];
      });
    },
    loadDocMarked: (doc) =>
      db.transaction('r', [docs, updates], async () => {
        const { snapshot, rows, mark } = await readMarked(doc);
        return { rows: [...(snapshot ? [snapshot.snapshot] : []), ...rows.map((r) => r.update)], mark };
      }),
    loadCellIndex: (doc) =>
      db.transaction('r', [docs, updates, cellIndex], async () => {
        const stored = await cellIndex.get(doc);
        if (!stored) return null;
        // The mark alone, without reading the rows' bytes: their primary keys and the snapshot's upTo.
        const ids = await updates.where('doc').equals(doc).primaryKeys();
        const mark = ids.at(-1) ?? (await docs.get(doc))?.upTo ?? 0;
        return stored.mark === mark ? { mark, input: stored.input } : null;
      }),
    async saveCellIndex(doc, mark, input) {
      await db.transaction('rw', [docs, updates, cellIndex], async () => {
        const now = await readMarked(doc);
        if (now.mark === mark && (now.snapshot || now.rows.length > 0)) await cellIndex.put({ doc, mark, input });
      });
    },
    async writeLocal(writes, at) {
      const seqs = await db.transaction('rw', [updates, outbox, meta], async () => {
        const first = (await lastSeq()) + 1;
        const rows = writes.map((w, i) => ({ seq: first + i, doc: w.doc, update: w.update, createdAt: at }));
        await updates.bulkAdd(writes.map((w) => ({ doc: w.doc, update: w.update })));
        await outbox.bulkAdd(rows);
        await meta.put({ key: LAST_SEQ, value: first + writes.length - 1 });
        return rows.map((r) => r.seq);
      });
      for (const w of writes) compactor.note(w.doc);
      return seqs;
    },
    writeRemote: (doc, update, version) => writeRemotes([{ doc, update, version }]),
    writeRemotes,
    docVersion: async (doc) => ((await meta.get(versionKey(doc)))?.value as number | undefined) ?? 0,
    syncMark: (doc) =>
      db.transaction('r', meta, async () => ({
        version: ((await meta.get(versionKey(doc)))?.value as number | undefined) ?? 0,
        epoch: ((await meta.get(EPOCH + doc))?.value as string | undefined) ?? null,
      })),
    async setSyncMark(doc, mark) {
      await db.transaction('rw', meta, async () => {
        await meta.put({ key: versionKey(doc), value: mark.version });
        if (mark.epoch === null) await meta.delete(EPOCH + doc);
        else await meta.put({ key: EPOCH + doc, value: mark.epoch });
      });
    },
    docsMarkedBefore: async (epoch) =>
      (await meta.where('key').startsWith(EPOCH).toArray()).filter((m) => m.value !== epoch).map((m) => m.key.slice(EPOCH.length)),
    outboxAfter: (seq) => outbox.where('seq').above(seq).toArray(),
    outboxSize: () => outbox.count(),
    async ack(seq) {
      await outbox.where('seq').belowOrEqual(seq).delete();
    },
    deadLetter: (seq, code, message, at) =>
      db.transaction('rw', [outbox, deadLetters], async () => {
        const row = await outbox.get(seq);
        if (!row) return null;
        const letter: DeadLetter = { seq, doc: row.doc, update: row.update, code, message, at };
        await deadLetters.put(letter);
        await outbox.delete(seq);
        return letter;
      }),
    deadLetters: () => deadLetters.toArray(),
    retryDeadLetter: (seq, at) =>
      db.transaction('rw', [deadLetters, outbox, meta], async () => {
        const letter = await deadLetters.get(seq);
        if (!letter) return null;
        const next = (await lastSeq()) + 1;
        await outbox.add({ seq: next, doc: letter.doc, update: letter.update, createdAt: at });
        await meta.put({ key: LAST_SEQ, value: next });
        await deadLetters.delete(seq);
        return next;
      }),
    discardDeadLetter: (seq) =>
      db.transaction('rw', deadLetters, async () => {
        const found = (await deadLetters.get(seq)) !== undefined;
        if (found) await deadLetters.delete(seq);
        return found;
      }),
    dropDoc: (doc, code, message, at) =>
      db.transaction('rw', [docs, updates, outbox, deadLetters, meta, cellIndex], async () => {
        const held = (await docs.get(doc)) !== undefined || (await updates.where('doc').equals(doc).count()) > 0 || (await meta.get(versionKey(doc))) !== undefined;
        await docs.delete(doc);
        await updates.where('doc').equals(doc).delete();
        await cellIndex.delete(doc);
        await meta.delete(versionKey(doc));
        const rows = await outbox.filter((r) => r.doc === doc).toArray();
        const letters = rows.map((row): DeadLetter => ({ seq: row.seq, doc, update: row.update, code, message, at }));
        await deadLetters.bulkPut(letters);
        await outbox.bulkDelete(rows.map((r) => r.seq));
        return { held, letters };
      }),
    loadAlignment: async (space) => (await meta.get(ALIGNMENT + space))?.value,
    async saveAlignment(space, record) {
      if (record) await meta.put({ key: ALIGNMENT + space, value: record });
      else await meta.delete(ALIGNMENT + space);
    },
    dump: () =>
      db.transaction('r', [docs, updates, outbox, deadLetters, meta], async () => {
        const parts = new Map<string, Uint8Array[]>();
        for (const s of await docs.toArray()) parts.set(s.doc, [s.snapshot]);
        for (const u of await updates.toArray()) {
          const list = parts.get(u.doc) ?? [];
          list.push(u.update);
          parts.set(u.doc, list);
        }
        const versions = new Map<string, number>();
        for (const m of await meta.where('key').startsWith('version:').toArray()) {
          versions.set(m.key.slice('version:'.length), m.value as number);
        }
        const alignments = new Map<string, unknown>();
        for (const m of await meta.where('key').startsWith(ALIGNMENT).toArray()) alignments.set(m.key.slice(ALIGNMENT.length), m.value);
        return {
          docs: new Map([...parts].map(([doc, list]) => [doc, Y.mergeUpdates(list)] as const)),
          versions,
          outbox: await outbox.toArray(),
          deadLetters: await deadLetters.toArray(),
          alignments,
        };
      }),
    async visit(list, at) {
      await meta.bulkPut(list.map((doc) => ({ key: VISIT + doc, value: at })));
    },
    evict: (rule) =>
      db.transaction('rw', [docs, updates, outbox, deadLetters, meta, cellIndex], async () => {
        const stored = new Set<string>();
        for (const doc of await docs.toCollection().primaryKeys()) if (isCellDoc(doc)) stored.add(doc);
        for (const doc of await updates.orderBy('doc').uniqueKeys()) if (isCellDoc(String(doc))) stored.add(String(doc));
        const pending = new Set<string>();
        await outbox.each((r) => pending.add(r.doc));
        await deadLetters.each((r) => pending.add(r.doc));
        const visits = new Map<string, number>();
        for (const m of await meta.where('key').startsWith(VISIT).toArray()) visits.set(m.key.slice(VISIT.length), m.value as number);
        const unseen = [...stored].filter((doc) => !visits.has(doc));
        const stamp = rule.now;
        if (stamp !== null && unseen.length > 0) await meta.bulkPut(unseen.map((doc) => ({ key: VISIT + doc, value: stamp })));
        const gone = pickEvictions(
          [...stored].map((doc) => ({ doc, visitedAt: visits.get(doc) ?? stamp ?? -Infinity, pending: pending.has(doc) })),
          rule,
        );
        let bytes = 0;
        for (const doc of gone) {
          bytes += (await docs.get(doc))?.snapshot.byteLength ?? 0;
          const rows = updates.where('doc').equals(doc);
          await rows.each((r) => (bytes += r.update.byteLength));
          await rows.delete();
          await docs.delete(doc);
          await cellIndex.delete(doc);
        }
        await meta.bulkDelete(gone.flatMap((doc) => [versionKey(doc), VISIT + doc]));
        return { docs: gone, bytes };
      }),
    async adopt(h) {
      await db.transaction('rw', [docs, updates, outbox, deadLetters, meta], async () => {
        for (const [doc, state] of h.docs) {
          const snapshot = await docs.get(doc);
          const parts = (await updates.where('doc').equals(doc).toArray()).map((r) => r.update);
          if (snapshot) parts.unshift(snapshot.snapshot);
          const have = parts.length === 0 ? null : Y.encodeStateVectorFromUpdate(Y.mergeUpdates(parts));
          const missing = have ? Y.diffUpdate(state, have) : state;
          if (!isEmptyUpdate(missing)) await updates.add({ doc, update: missing });
        }
        for (const [doc, version] of h.versions) {
          if (!h.docs.has(doc)) continue;
          const known = ((await meta.get(versionKey(doc)))?.value as number | undefined) ?? 0;
          if (version > known) await meta.put({ key: versionKey(doc), value: version });
        }
        await outbox.bulkDelete([...h.dropOutbox]);
        await deadLetters.bulkDelete([...h.dropDeadLetters]);
        let seq = await lastSeq();
        await outbox.bulkAdd(h.outbox.map((r) => ({ ...r, seq: ++seq })));
        await deadLetters.bulkAdd(h.deadLetters.map((d) => ({ ...d, seq: ++seq })));
        await meta.put({ key: LAST_SEQ, value: seq });
        await meta.bulkDelete(h.dropAlignments.map((space) => ALIGNMENT + space));
        await meta.bulkPut([...h.alignments].map(([space, value]) => ({ key: ALIGNMENT + space, value })));
      });
      for (const doc of h.docs.keys()) compactor.note(doc);
    },
    compacted: () => compactor.idle(),
    async close() {
      await compactor.idle();
      closing = true;
      db.close();
    },
  };
}
