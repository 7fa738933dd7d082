/**
 * ① The docs the app has open. `open()` hydrates a Y.Doc from the replica with origin HYDRATE and then
 * watches it: every transaction whose origin is not REMOTE, HYDRATE or TAB is a local edit and goes to
 * the outbox. The watch starts before hydration and the doc is reachable (for tab and remote updates)
 * while it hydrates, so nothing that arrives meanwhile is missed; Yjs applies updates in any order.
 */
import * as Y from 'yjs';
import { ORIGIN, parseDocId } from '@cairn/shared';

const NOT_LOCAL: ReadonlySet<unknown> = new Set([ORIGIN.REMOTE, ORIGIN.HYDRATE, ORIGIN.TAB]);

export interface OpenDocsOptions {
  load(doc: string): Promise<Uint8Array[]>;
  onLocalUpdate(doc: string, update: Uint8Array): void;
}

export interface OpenDocs {
  /** The hydrated doc; concurrent and repeated opens of one id share one Y.Doc. */
  open(id: string): Promise<Y.Doc>;
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
  unwatch(): void;
}

export function createOpenDocs(o: OpenDocsOptions): OpenDocs {
  const entries = new Map<string, Entry>();

  function open(id: string): Promise<Y.Doc> {
    const existing = entries.get(id);
    if (existing) return existing.ready;
    parseDocId(id);
    const doc = new Y.Doc();
    const onUpdate = (update: Uint8Array, origin: unknown) => {
      if (!NOT_LOCAL.has(origin)) o.onLocalUpdate(id, update);
    };
    doc.on('update', onUpdate);
    const entry: Entry = { doc, ready: Promise.resolve(doc), hydrated: false, unwatch: () => doc.off('update', onUpdate) };
    entries.set(id, entry);
    entry.ready = hydrate(id, entry);
    return entry.ready;
  }

  async function hydrate(id: string, entry: Entry): Promise<Y.Doc> {
    try {
      const rows = await o.load(id);
      if (rows.length > 0) Y.applyUpdate(entry.doc, rows.length === 1 ? rows[0]! : Y.mergeUpdates(rows), ORIGIN.HYDRATE);
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
    ids: () => [...entries].filter(([, e]) => e.hydrated).map(([id]) => id),
    states: () => [...entries].filter(([, e]) => e.hydrated).map(([id, e]) => [id, Y.encodeStateAsUpdate(e.doc)]),
  };
}
