/**
 * The cell docs a space holds open, reference counted: a region holds the cells of its cover, a write
 * holds the cells it writes into while it runs, and a cell is closed only when nobody holds it any more.
 *
 * Opening and closing one cell's doc are async (hydration, flushing local writes), so every transition of
 * one cell runs on that cell's own chain, and each step decides from the reference count *at the time it
 * runs* whether the doc should be open. A release followed at once by an acquire therefore ends with the
 * doc open (at worst closed and reopened), never with a closed doc that someone holds.
 *
 * A cell whose replica holds its stored cell index is indexed from it while its doc still hydrates
 * (onStored), so the cells a region holds answer queries before Yjs has read them all (index-sync.ts).
 *
 *   refs 0 ──acquire──▶ opening ──hydrated──▶ open (attached: onOpened, then every transaction)
 *     ▲                                         │
 *     └──────── closed ◀──── detach ◀── refs 0 ─┘ (onClosed, then client.close)
 */
import type * as Y from 'yjs';
import { cellDocId } from '@cairn/shared';
import type { StoredCellIndex } from '../replica/replica-store.js';

export interface CellDocsOptions {
  space: string;
  /** `stored`: see OpenDocs.open; called at most once, before the open resolves. */
  open(docId: string, stored?: (found: StoredCellIndex) => void): Promise<Y.Doc>;
  close(docId: string): Promise<void>;
  /**
   * The cell's stored cell index, while its doc hydrates (the index is filled from it first). Followed by
   * onOpened, or, if the cell is not opened after all, by onUnstored.
   */
  onStored?(cell: string, found: StoredCellIndex): void;
  onUnstored?(cell: string): void;
  /** The cell's doc is open and hydrated; called before any onTransaction of it. */
  onOpened(cell: string, doc: Y.Doc): void;
  onTransaction(cell: string, doc: Y.Doc, tx: Y.Transaction): void;
  /** The cell is about to close; its doc is no longer listed by `docs()`. */
  onClosed(cell: string, doc: Y.Doc): void;
}

export interface CellDocs {
  /** Holds the cells and resolves once every one of them is open. On failure nothing stays held. */
  acquire(cells: readonly string[]): Promise<void>;
  /** Lets go of the cells; those nobody holds any more are closed. */
  release(cells: readonly string[]): Promise<void>;
  /** The doc of an open cell. */
  doc(cell: string): Y.Doc | undefined;
  /** The open cells and their docs. */
  docs(): ReadonlyMap<string, Y.Doc>;
  refs(cell: string): number;
  /**
   * L2: the server deleted the cell's doc and the client closed it: it leaves `docs()` at once (onClosed),
   * while its holders keep their references; an acquire that opens it again asks the server again.
   */
  drop(cell: string): void;
}

interface Cell {
  refs: number;
  /** Steps queued on the chain and not finished. */
  queued: number;
  doc: Y.Doc | null;
  detach: (() => void) | null;
  chain: Promise<void>;
}

export function createCellDocs(o: CellDocsOptions): CellDocs {
  const cells = new Map<string, Cell>();
  const open = new Map<string, Y.Doc>();

  const cellOf = (name: string): Cell => {
    let c = cells.get(name);
    if (!c) cells.set(name, (c = { refs: 0, queued: 0, doc: null, detach: null, chain: Promise.resolve() }));
    return c;
  };

  const attach = (name: string, c: Cell, doc: Y.Doc): void => {
    const onTx = (tx: Y.Transaction) => o.onTransaction(name, doc, tx);
    c.doc = doc;
    open.set(name, doc);
    // Read the whole doc and start observing in one synchronous step: nothing applied to the doc can
    // fall between the two.
    o.onOpened(name, doc);
    doc.on('afterTransaction', onTx);
    c.detach = () => doc.off('afterTransaction', onTx);
  };

  const step = async (name: string, c: Cell): Promise<void> => {
    const id = cellDocId(o.space, name);
    if (c.refs > 0 && !c.doc) {
      let stored = false;
      const onStored = (found: StoredCellIndex) => {
        if (c.refs === 0 || !o.onStored) return;
        stored = true;
        o.onStored(name, found);
      };
      let doc: Y.Doc;
      try {
        doc = await o.open(id, onStored);
      } catch (err) {
        if (stored) o.onUnstored?.(name);
        throw err;
      }
      if (c.refs > 0) attach(name, c, doc);
      else {
        if (stored) o.onUnstored?.(name);
        await o.close(id);
      }
    } else if (c.refs === 0 && c.doc) {
      const doc = c.doc;
      c.detach?.();
      c.detach = null;
      c.doc = null;
      open.delete(name);
      o.onClosed(name, doc);
      await o.close(id);
    }
  };

  /** Queues a step that brings the cell's doc in line with its reference count. */
  const reconcile = (name: string): Promise<void> => {
    const c = cellOf(name);
    c.queued++;
    const run = c.chain.then(() => step(name, c));
    c.chain = run.catch(() => undefined).then(() => {
      c.queued--;
      if (c.queued === 0 && c.refs === 0 && !c.doc && cells.get(name) === c) cells.delete(name);
    });
    return run;
  };

  const unique = (list: readonly string[]) => [...new Set(list)];

  const release = async (list: readonly string[]): Promise<void> => {
    const names = unique(list).filter((n) => (cells.get(n)?.refs ?? 0) > 0);
    for (const n of names) cellOf(n).refs--;
    const results = await Promise.allSettled(names.map(reconcile));
    const failed = results.find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
  };

  return {
    async acquire(list) {
      const names = unique(list);
      for (const n of names) cellOf(n).refs++;
      const results = await Promise.allSettled(names.map(reconcile));
      const failed = results.find((r) => r.status === 'rejected');
      if (failed) {
        await release(names).catch(() => undefined);
        throw failed.reason;
      }
    },
    release,
    doc: (name) => open.get(name),
    docs: () => open,
    refs: (name) => cells.get(name)?.refs ?? 0,
    drop(name) {
      const c = cells.get(name);
      const doc = c?.doc;
      if (!c || !doc) return;
      c.detach?.();
      c.detach = null;
      c.doc = null;
      open.delete(name);
      o.onClosed(name, doc);
    },
  };
}
