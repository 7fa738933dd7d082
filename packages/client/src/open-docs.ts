/**
 * ① The docs the app has open. `open()` hydrates a Y.Doc from the replica with origin HYDRATE and then
 * watches it: every transaction whose origin is not REMOTE, HYDRATE or TAB is a local edit and goes to
 * the outbox. The watch starts before hydration and the doc is reachable (for tab and remote updates)
 * while it hydrates, so nothing that arrives meanwhile is missed; Yjs applies updates in any order.
 */
import * as Y from 'yjs';
import { ORIGIN, parseDocId } from '@cairn/shared';
import type { MarkedDoc, StoredCellIndex } from './replica/replica-store.js';

const NOT_LOCAL: ReadonlySet<unknown> = new Set([ORIGIN.REMOTE, ORIGIN.HYDRATE, ORIGIN.TAB]);

export interface OpenDocsOptions {
  load(doc: string): Promise<MarkedDoc>;
  loadCellIndex(doc: string): Promise<StoredCellIndex | null>;
  onLocalUpdate(doc: string, update: Uint8Array): void;
}

export type Stored = (found: StoredCellIndex) => void;

export interface OpenDocs {
  /**
   * The hydrated doc; concurrent and repeated opens of one id share one Y.Doc. `stored` hears the doc's
   * stored cell index before the doc's rows are even read, if this open loads it and the replica has one:
   * every cell asked for at once is indexed before Yjs decodes any of them.
   */
  open(id: string, stored?: Stored): Promise<Y.Doc>;
  /** The mark of the stored rows the doc was hydrated from, while no transaction changed it since; else null. */
  mark(id: string): number | null;
  /** Stops watching the doc; resolves with it, or undefined if it was not open. */
  close(id: string): Promise<Y.Doc | undefined>;
  /** The doc, open or still hydrating. */
  get(id: string): Y.Doc | undefined;
  /** Ids of the hydrated docs. */
  ids(): string[];
  /** Full states of the hydrated docs. */
  states(): [string, Uint8Array][];
}

interface Entry {
  doc: Y.Doc;
  ready: Promise<Y.Doc>;
  hydrated: boolean;
  /** MarkedDoc.mark of the rows hydrated from. */
  mark: number | null;
  /** A transaction other than the hydration ran on the doc: it no longer holds exactly the marked rows. */
  changed: boolean;
  applying: boolean;
  watch(): void;
  unwatch(): void;
}

export function createOpenDocs(o: OpenDocsOptions): OpenDocs {
  const entries = new Map<string, Entry>();

  function open(id: string, stored?: Stored): Promise<Y.Doc> {
    const existing = entries.get(id);
    if (existing) return existing.ready;
    parseDocId(id);
    const doc = new Y.Doc();
    const onUpdate = (update: Uint8Array, origin: unknown) => {
      if (!NOT_LOCAL.has(origin)) o.onLocalUpdate(id, update);
    };
    doc.on('update', onUpdate);
    const entry: Entry = {
      doc, ready: Promise.resolve(doc), hydrated: false, mark: null, changed: false, applying: false,
      watch: () => doc.on('update', onUpdate), unwatch: () => doc.off('update', onUpdate),
    };
    const onTransaction = () => {
      if (entry.applying) return;
      entry.changed = true;
      doc.off('afterTransaction', onTransaction);
    };
    doc.on('afterTransaction', onTransaction);
    entries.set(id, entry);
    entry.ready = hydrate(id, entry, stored);
    return entry.ready;
  }

  /**
   * The stored rows go into the doc in one HYDRATE transaction, row after row: Y.mergeUpdates first would
   * decode and encode the whole state once more (at 100k anchors in 12 cells, 1.9 s of a 6.3 s open in
   * Chromium). The local-update watch is off for that one synchronous call: with an 'update' listener Yjs
   * encodes the transaction's whole update for it (0.8 s more), and a HYDRATE transaction is never local.
   * Nothing else can run inside the synchronous call, so no local edit can slip past the watch.
   */
  function apply(entry: Entry, rows: readonly Uint8Array[]): void {
    entry.unwatch();
    entry.applying = true;
    try {
      Y.transact(entry.doc, () => {
        for (const row of rows) Y.applyUpdate(entry.doc, row, ORIGIN.HYDRATE);
      }, ORIGIN.HYDRATE);
    } finally {
      entry.applying = false;
      entry.watch();
    }
  }

  async function hydrate(id: string, entry: Entry, stored: Stored | undefined): Promise<Y.Doc> {
    try {
      if (stored) {
        const found = await o.loadCellIndex(id);
        if (found) stored(found);
      }
      const { rows, mark } = await o.load(id);
      if (rows.length > 0) apply(entry, rows);
      entry.mark = mark;
    } catch (err) {
      entry.unwatch();
      if (entries.get(id) === entry) entries.delete(id);
      throw err;
    }
    entry.hydrated = true;
    return entry.doc;
  }

  return {
    open,
    async close(id) {
      const entry = entries.get(id);
      if (!entry) return undefined;
      await entry.ready.catch(() => undefined);
      if (entries.get(id) !== entry) return undefined;
      entries.delete(id);
      entry.unwatch();
      return entry.doc;
    },
    get: (id) => entries.get(id)?.doc,
    mark: (id) => {
      const e = entries.get(id);
      return e?.hydrated && !e.changed ? e.mark : null;
    },
    ids: () => [...entries].filter(([, e]) => e.hydrated).map(([id]) => id),
    states: () => [...entries].filter(([, e]) => e.hydrated).map(([id, e]) => [id, Y.encodeStateAsUpdate(e.doc)]),
  };
}
