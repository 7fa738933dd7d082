/**
 * Creates started in one turn share one Yjs transaction per cell. An app that places 100,000 anchors calls
 * `anchors.create` in a loop; one transaction per anchor paid, per anchor, a Yjs transaction and its update
 * event, a cell hold (acquire and release on the cell's chain), an index pass and a queued local write, and
 * that overhead, not IndexedDB or the network, bounded the burst (bench/bulk-anchors.mjs).
 *
 * A create joins the batch of its cell once its input is checked; the batch is written in a microtask
 * queued by its first create, so every create the app started synchronously (and whose checks ran in the
 * same run of microtasks) lands in it. A create awaited on its own still gets a transaction of its own, at
 * once. A transaction takes at most MAX_CREATES_PER_TRANSACTION anchors, so its update stays one ordinary
 * push (A3: the outbox keeps an update above 64 KiB as a row of its own, sent as one frame while it fits
 * maxPayload; an unbounded one could pass maxUpdateBytes and never be sent at all).
 *
 * Each create resolves with the anchor as its transaction left it, once the update is in the replica: its
 * doc state and outbox row, written together in one Dexie transaction (O1) with every other update queued
 * by then. What create() resolved survives a reload (O2); a reload before that may lose it, and the app was
 * never told it was kept.
 */
import type * as Y from 'yjs';
import type { SpaceAnchor } from './space-api.js';

/**
 * ~1,024 × 340 bytes: a transaction's update stays near 350 KB, one ordinary push frame (under 1 MiB). Bigger
 * transactions mean fewer pushes per doc, and each push of a doc after the first waits on the server for the
 * one before it to commit (it continues its Yjs clock), so a short chain per doc is what lets a burst commit
 * in few group commits (bench/bulk-anchors.mjs: 256 gave 424 pushes and 32 commits, 1,024 gives 118 and 9).
 */
export const MAX_CREATES_PER_TRANSACTION = 1024;

export interface PendingCreate {
  id: string;
  cell: string;
  /** Writes the anchor into the cell's doc, inside the batch's transaction. */
  put(doc: Y.Doc): void;
}

export interface CreateBatchOptions {
  /** Runs fn with the cells held and open (CellDocs.acquire/release around it). */
  hold<T>(cells: readonly string[], fn: () => T): Promise<T>;
  /** One LOCAL transaction on the open cell's doc. */
  transact(cell: string, fn: (doc: Y.Doc) => void): void;
  /** The merged anchor right after its transaction. */
  written(id: string): SpaceAnchor;
  /** Resolves once every local update made so far is in the replica (outbox row and doc state, O1). */
  stored(): Promise<void>;
}

export interface CreateBatch {
  add(create: PendingCreate): Promise<SpaceAnchor>;
}

interface Waiting {
  create: PendingCreate;
  resolve(a: SpaceAnchor): void;
  reject(err: unknown): void;
}

export function createCreateBatch(o: CreateBatchOptions): CreateBatch {
  let batch: Map<string, Waiting[]> | null = null;

  /**
   * The cell's creates, MAX_CREATES_PER_TRANSACTION to a transaction; a throw fails only its own
   * transaction. Returns what each written create resolves with.
   */
  function writeCell(cell: string, list: readonly Waiting[]): [Waiting, SpaceAnchor][] {
    const made: [Waiting, SpaceAnchor][] = [];
    for (let i = 0; i < list.length; i += MAX_CREATES_PER_TRANSACTION) {
      const part = list.slice(i, i + MAX_CREATES_PER_TRANSACTION);
      try {
        o.transact(cell, (doc) => {
          for (const w of part) w.create.put(doc);
        });
        const anchors = part.map((w) => o.written(w.create.id));
        part.forEach((w, k) => made.push([w, anchors[k]!]));
      } catch (err) {
        for (const w of part) w.reject(err);
      }
    }
    return made;
  }

  /**
   * One hold per cell: a cell that fails to open fails its own creates, not the others'. A create resolves
   * only once its update is in the replica: an app that saw it resolve and then reloads still has it (O2).
   */
  async function runCell(cell: string, list: readonly Waiting[]): Promise<void> {
    let made: [Waiting, SpaceAnchor][];
    try {
      made = await o.hold([cell], () => writeCell(cell, list));
      await o.stored();
    } catch (err) {
      for (const w of list) w.reject(err);
      return;
    }
    for (const [w, a] of made) w.resolve(a);
  }

  function run(): void {
    const taken = batch;
    batch = null;
    if (!taken) return;
    for (const [cell, list] of taken) void runCell(cell, list);
  }

  return {
    add(create) {
      return new Promise<SpaceAnchor>((resolve, reject) => {
        if (!batch) {
          batch = new Map();
          queueMicrotask(run);
        }
        let list = batch.get(create.cell);
        if (!list) batch.set(create.cell, (list = []));
        list.push({ create, resolve, reject });
      });
    },
  };
}
