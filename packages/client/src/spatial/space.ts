/**
 * One space on the client (DESIGN §6): its meta doc (origin, precision), the cell docs its regions and
 * writes hold (cell-docs.ts), the R-tree that mirrors them (index-sync.ts, X1), the anchors API
 * (anchors.ts) and the regions (region.ts). Returned synchronously; everything that needs the meta doc
 * waits for it, so `origin` and `precision` are the options' values until the stored ones are loaded.
 */
import type * as Y from 'yjs';
import type { HistoryReads } from '../history/history-reads.js';
import type { StoredCellIndex } from '../replica/replica-store.js';
import {
  CairnError, cellDocId, cellOfDocId, createGeoFrame, createHlc, createSpaceFrame, DEFAULT_CELL_PRECISION, isGeohash, isValidSegment, metaDocId, newClientId,
  sameGeoPoint,
} from '@cairn/shared';
import { createEmitter } from '../emitter.js';
import type { PresenceLink } from '../presence/presence-link.js';
import { createSpacePresence } from '../presence/space-presence.js';
import type { Timers } from '../socket/timers.js';
import { createAnchorIndex } from './anchor-index.js';
import { createAnchors } from './anchors.js';
import { createCellDocs } from './cell-docs.js';
import { createIndexSync, type SpaceAnchorRecord } from './index-sync.js';
import { createPropsForwarding } from './props-forwarding.js';
import { checkSpaceOptions, NULL_ISLAND, watchSpaceMeta, type MetaWatch, type SpaceFrameValues } from './meta-doc.js';
import { checkHysteresis, openRegion, type ManagedRegion } from './region.js';
import type { AnchorChange, Space, SpaceOptions } from './space-api.js';

/** What a space needs of its client. */
export interface SpaceHost {
  /** `stored`: OpenDocs.open's, for the cell index stored with a cell doc (cell-index.ts). */
  open(docId: string, stored?: (found: StoredCellIndex) => void): Promise<Y.Doc>;
  /** OpenDocs.mark: the doc holds exactly its stored rows up to the mark. */
  mark?(docId: string): number | null;
  /** Keeps a cell doc's cell index with its rows up to `mark` (ReplicaStore.saveCellIndex); best effort. */
  saveCellIndex?(docId: string, mark: number, input: unknown): void;
  close(docId: string): Promise<void>;
  /** The replica's id (createdBy, deleted.by); null until the replica is open. */
  replicaId(): string | null;
  timers: Timers;
  now(): number;
  /** Resolves once the client is synced or offline (meta-doc.ts says why). */
  settled(): Promise<void>;
  onError(err: unknown): void;
  presence: PresenceLink;
  /** Resolves once every local update made so far is in the replica (the local writer's flush). */
  stored(): Promise<void>;
  /** L1: reads of the past over REST (history/history-reads.ts). */
  history: Pick<HistoryReads, 'anchorsAt'>;
}

export interface SpaceLifecycle {
  /** A previous instance of the same space that is still closing. */
  after: Promise<void>;
  /** close() began; `done` settles when it is over. */
  onClose(done: Promise<void>): void;
}

/** A space as its client holds it: the app's Space, and what the client tells it. */
export interface HeldSpace extends Space {
  /** L2: the server deleted one of the space's docs; a cell doc's anchors leave the index at once (X1). */
  docDeleted(docId: string): void;
}

export function createSpace(host: SpaceHost, name: string, opts: SpaceOptions, life: SpaceLifecycle): HeldSpace {
  if (typeof name !== 'string' || !isValidSegment(name)) {
    throw new CairnError('INVALID_DOC_ID', `space name ${JSON.stringify(String(name).slice(0, 80))} is not a doc id segment`);
  }
  checkSpaceOptions(opts);
  let values: SpaceFrameValues = {
    origin: opts.origin ?? NULL_ISLAND, hasOrigin: opts.origin !== undefined, precision: opts.precision ?? DEFAULT_CELL_PRECISION,
  };
  let frame = createGeoFrame(values.origin);
  // X6: the frame anchors are shown in. Without any origin, poses are shown (and written) as they are.
  let spaceFrame = createSpaceFrame(values.hasOrigin ? values.origin : null);
  let meta: MetaWatch | null = null;
  let closed = false;
  let closing: Promise<void> | null = null;
  const regions = new Set<ManagedRegion>();
  const pinned = new Set<string>();

  const index = createAnchorIndex<SpaceAnchorRecord>({ origin: values.origin, now: host.now });
  const changes = createEmitter<{ change: AnchorChange }>();
  // One clock per space instance, not per replica: tabs share a replica id, and two tabs issuing the
  // same timestamp for different poses would tie.
  const hlc = createHlc(newClientId().slice(0, 16), host.now);
  const sync = createIndexSync({
    space: name,
    index,
    docs: () => cells.docs(),
    frame: () => frame,
    spaceFrame: () => spaceFrame,
    timers: host.timers,
    now: host.now,
    onHlc(seen) {
      if (seen <= hlc.last()) return;
      try {
        hlc.receive(seen);
      } catch (err) {
        host.onError(err);
      }
    },
    onChange: (change) => changes.emit('change', change),
    onMerged: (id, entries, merged) => forwarding.merged(id, entries, merged),
    onError: host.onError,
    saveCellIndex: (cell, mark, input) => host.saveCellIndex?.(cellDocId(name, cell), mark, input),
  });
  const cells = createCellDocs({
    space: name,
    open: host.open,
    close: host.close,
    onStored: sync.cellStored,
    onUnstored: sync.cellClosed,
    onOpened: (cell, doc) => sync.cellOpened(cell, doc, host.mark?.(cellDocId(name, cell)) ?? null),
    onTransaction: sync.cellChanged,
    onClosed: (cell) => {
      sync.cellClosed(cell);
      presence.cellClosed(cell);
    },
  });
  const forwarding = createPropsForwarding({ nodeId: hlc.nodeId, cells, onError: host.onError });

  const apply = (next: SpaceFrameValues, origin: AnchorChange['origin']): void => {
    const prev = values;
    values = next;
    if (!sameGeoPoint(next.origin, prev.origin) || next.hasOrigin !== prev.hasOrigin) {
      frame = createGeoFrame(next.origin);
      spaceFrame = createSpaceFrame(next.hasOrigin ? next.origin : null);
      index.setOrigin(next.origin);
      sync.relocate(origin);
    }
    if (next.precision !== prev.precision) for (const r of regions) void r.refresh().catch(host.onError);
    if (next.precision !== prev.precision || !sameGeoPoint(next.origin, prev.origin)) presence.relocate();
  };

  const ready = (async () => {
    await life.after;
    const doc = await host.open(metaDocId(name));
    meta = await watchSpaceMeta(doc, opts, host.settled, (next, _prev, origin) => apply(next, origin));
    apply(meta.values, 'hydrate');
  })();
  void ready.catch((err: unknown) => {
    if (!closed) host.onError(err);
  });

  const whenReady = async (): Promise<void> => {
    if (closed) throw new CairnError('BAD_REQUEST', `the space ${JSON.stringify(name)} is closed`);
    await ready;
  };

  const presence = createSpacePresence({
    space: name,
    link: host.presence,
    frame: () => frame,
    precision: () => values.precision,
    ready: () => ready,
    acquire: cells.acquire,
    release: cells.release,
    timers: host.timers,
    now: host.now,
    onError: host.onError,
  });

  const anchors = createAnchors({
    space: name,
    ready: whenReady,
    index,
    sync,
    cells,
    hlc,
    frame: () => frame,
    authoringOrigin: () => spaceFrame.origin,
    precision: () => values.precision,
    replicaId: () => host.replicaId() ?? '',
    now: host.now,
    changes,
    stored: host.stored,
  });

  return {
    name,
    docDeleted(docId) {
      const cell = cellOfDocId(docId);
      if (cell?.space === name) cells.drop(cell.cell);
    },
    anchorsAt: (at, query) => host.history.anchorsAt(name, at, query),
    get origin() {
      return values.origin;
    },
    get precision() {
      return values.precision;
    },
    anchors,
    presence: presence.api,
    async subscribeRegion(input, o) {
      const hysteresisMs = checkHysteresis(o?.hysteresisMs);
      await whenReady();
      const region = await openRegion(
        {
          precision: () => values.precision,
          acquire: cells.acquire,
          release: cells.release,
          timers: host.timers,
          onError: host.onError,
          onClosed: (r) => regions.delete(r),
        },
        input,
        hysteresisMs,
      );
      if (closed) {
        await region.close();
        throw new CairnError('BAD_REQUEST', `the space ${JSON.stringify(name)} was closed while the region opened`);
      }
      regions.add(region);
      return region;
    },
    async openCells(list) {
      for (const cell of list) if (!isGeohash(cell)) throw new CairnError('BAD_REQUEST', `not a geohash: ${JSON.stringify(String(cell).slice(0, 24))}`);
      await whenReady();
      const fresh = [...new Set(list)].filter((c) => !pinned.has(c));
      for (const cell of fresh) pinned.add(cell);
      try {
        await cells.acquire(fresh);
      } catch (err) {
        for (const cell of fresh) pinned.delete(cell);
        throw err;
      }
    },
    close() {
      if (closing) return closing;
      closed = true;
      forwarding.close(); // letting go of the cells below must not open one for a copy
      closing = (async () => {
        await ready.catch(() => undefined);
        await presence.close();
        for (const r of [...regions]) await r.close();
        await cells.release([...pinned]);
        pinned.clear();
        meta?.close();
        sync.close();
        changes.clear();
        await host.close(metaDocId(name));
      })();
      life.onClose(closing);
      return closing;
    },
  };
}
