/**
 * Creates started in one turn share one Yjs transaction per cell. An app that places 100,000 anchors calls
 * `anchors.create` in a loop; one transaction per anchor paid, per anchor, a Yjs transaction and its update
 * event, a cell hold (acquire and release on the cell's chain), an index pass and a queued local write, and
 * that overhead, not IndexedDB or the network, bounded the burst (bench/bulk-anchors.mjs).
 *
 * A create joins the batch of its cell once its input is checked; the batch's first transaction is written
 * in a microtask queued by its first create, so every create the app started synchronously (and whose
 * checks ran in the same run of microtasks) lands in it. A create awaited on its own still gets a
 * transaction of its own, at once. Between two transactions the batch yields to the event loop (run).
 *
 * A transaction takes at most MAX_CREATES_PER_TRANSACTION anchors, so its update stays one ordinary push
 * (A3: the outbox merges updates of one doc into rows of up to 64 KiB and keeps a bigger one as a row of its
 * own, sent as one frame while it fits maxPayload; an unbounded one could pass maxUpdateBytes and never be
 * sent at all).
 *
 * Each create resolves with the anchor as its transaction left it, once the update is in the replica: its
 * doc state and outbox row, written together in one Dexie transaction (O1) with every other update queued
 * by then. What create() resolved survives a reload (O2); a reload before that may lose it, and the app was
 * never told it was kept.
 */
import type * as Y from 'yjs';
import type { SpaceAnchor } from './space-api.js';

/**
 * ~256 × 340 bytes: a transaction's update is near 90 KB, one ordinary push frame. Measured against 1,024
 * (bench/bulk-anchors.mjs, Postgres, back to back, with the yields below): 256 reached durable in 15.0 s and
 * 13.0 s, 1,024 in 17.0 s and 15.8 s. Bigger pushes mean fewer of them, but each one is a longer
 * synchronous step on the server (validate, apply) and they start later.
 */
export const MAX_CREATES_PER_TRANSACTION = 256;

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

/** The next macrotask: setImmediate in Node, a MessageChannel message in browsers (no 4 ms timer clamp). */
function nextTask(): Promise<void> {
  const immediate = (globalThis as { setImmediate?: (fn: () => void) => unknown }).setImmediate;
  if (immediate) return new Promise((resolve) => void immediate(resolve));
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      resolve();
    };
    channel.port2.postMessage(null);
  });
}

export function createCreateBatch(o: CreateBatchOptions): CreateBatch {
  let batch: Map<string, Waiting[]> | null = null;

  /** One transaction of a cell's creates; a throw fails only these. Returns what each create resolves with. */
  function writePart(cell: string, part: readonly Waiting[]): [Waiting, SpaceAnchor][] {
    try {
      o.transact(cell, (doc) => {
        for (const w of part) w.create.put(doc);
      });
      const anchors = part.map((w) => o.written(w.create.id));
      return part.map((w, k) => [w, anchors[k]!]);
    } catch (err) {
      for (const w of part) w.reject(err);
      return [];
    }
  }

  /**
   * One hold per transaction: a cell that fails to open fails its own creates, not the others'. A create
   * resolves only once its update is in the replica: an app that saw it resolve and then reloads still has
   * it (O2).
   */
  async function runPart(cell: string, part: readonly Waiting[]): Promise<void> {
    let made: [Waiting, SpaceAnchor][];
    try {
      made = await o.hold([cell], () => writePart(cell, part));
      await o.stored();
    } catch (err) {
      for (const w of part) w.reject(err);
      return;
    }
    for (const [w, a] of made) w.resolve(a);
  }

  /**
   * Between two transactions the batch lets the event loop run (a macrotask, not a timer: an app's
   * injected timers must not hold creates back): the outbox writes what is written so far and the push
   * loop sends it while the rest is still being created, so the server works in parallel with the page
   * instead of after it. Without the yield the whole burst ran in one task, and its first push left only
   * once the last anchor was created and written.
   */
  async function run(): Promise<void> {
    const taken = batch;
    batch = null;
    if (!taken) return;
    let first = true;
    for (const [cell, list] of taken) {
      for (let i = 0; i < list.length; i += MAX_CREATES_PER_TRANSACTION) {
        if (!first) await nextTask();
        first = false;
        void runPart(cell, list.slice(i, i + MAX_CREATES_PER_TRANSACTION));
      }
    }
  }

  return {
    add(create) {
      return new Promise<SpaceAnchor>((resolve, reject) => {
        if (!batch) {
          batch = new Map();
          queueMicrotask(() => void run());
        }
        let list = batch.get(create.cell);
        if (!list) batch.set(create.cell, (list = []));
        list.push({ create, resolve, reject });
      });
    },
  };
}
