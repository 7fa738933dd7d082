/**
 * The read model in plain maps, for the memory Store: the same answers as sql-anchor-store.ts. An apply
 * runs without awaiting anything, so it lands whole, like the SQL transaction, and needs no locks.
 * Records are copied in and out, so no caller can change a stored row under another one.
 */
import { cellOfDocId, distanceM, spaceOfMetaDocId, type CellEntry, type GeoPoint, type GeoRect } from '@cairn/shared';
import type { AnchorQuery, AnchorRecord, AnchorStore, ApplyOutcome, PurgeCandidate } from './anchor-store.js';
import { frameOf, hasFramedPose, locate, mergeRecord, sameOrigin } from './anchor-row.js';
import { comparePurgeKeys, purgeReason } from './purge-rules.js';

interface SpaceState {
  origin: GeoPoint | null;
  precision: number | null;
  /** id → cell → entry */
  entries: Map<string, Map<string, CellEntry>>;
  anchors: Map<string, AnchorRecord>;
}

function inRects(g: GeoPoint, rects: readonly GeoRect[]): boolean {
  return rects.some((r) => g.lat >= r.minLat && g.lat <= r.maxLat && g.lon >= r.minLon && g.lon <= r.maxLon);
}

/** The memory store's read model, with the purge of one doc's rows that the SQL store does in sql-deletions.ts. */
export interface MemoryAnchorStore extends AnchorStore {
  /** L2: drops what the doc put here: a cell doc's entries and anchors, a meta doc's space row, its progress. */
  purgeDoc(tenant: string, doc: string): void;
  /** An import replaced the doc's rows (store.ts importRows), so its next apply recomputes it. */
  resetProgress(tenant: string, doc: string): void;
}

export function createMemoryAnchorStore(isOpen: () => void): MemoryAnchorStore {
  const progress = new Map<string, number>();
  const spaces = new Map<string, SpaceState>();
  const key = (tenant: string, name: string) => JSON.stringify([tenant, name]);

  function space(tenant: string, name: string): SpaceState {
    const k = key(tenant, name);
    let s = spaces.get(k);
    if (!s) spaces.set(k, (s = { origin: null, precision: null, entries: new Map(), anchors: new Map() }));
    return s;
  }

  /** null when the change may be written; the outcome to return otherwise. */
  function refused(tenant: string, doc: string, version: number, since: number | null): ApplyOutcome | null {
    const applied = progress.get(key(tenant, doc)) ?? 0;
    if (applied >= version) return { kind: 'stale', applied };
    if (since !== null && applied < since) return { kind: 'behind', applied };
    return null;
  }

  return {
    resetProgress(tenant, doc) {
      progress.delete(key(tenant, doc));
    },
    async applyCell(change) {
      isOpen();
      const no = refused(change.tenant, change.doc, change.version, change.since);
      if (no) return no;
      const s = space(change.tenant, change.space);
      const touched = new Set<string>(change.removed);
      if (change.since === null) {
        for (const [id, cells] of s.entries) if (cells.has(change.cell)) touched.add(id);
      }
      for (const e of change.entries) touched.add(e.id);
      const fresh = new Map(change.entries.map((e) => [e.id, e]));
      const frame = frameOf(s.origin);
      for (const id of touched) {
        let cells = s.entries.get(id);
        const e = fresh.get(id);
        if (e) {
          if (!cells) s.entries.set(id, (cells = new Map()));
          cells.set(change.cell, structuredClone(e));
        } else if (cells) {
          cells.delete(change.cell);
          if (cells.size === 0) s.entries.delete(id);
        }
        const record = cells && cells.size > 0 ? mergeRecord(change.space, [...cells.values()], frame) : null;
        if (record) s.anchors.set(id, structuredClone(record));
        else s.anchors.delete(id);
      }
      progress.set(key(change.tenant, change.doc), change.version);
      return { kind: 'applied' };
    },

    async applyMeta(change) {
      isOpen();
      const no = refused(change.tenant, change.doc, change.version, null);
      if (no) return no;
      const s = space(change.tenant, change.space);
      const origin = change.meta.origin ? { ...change.meta.origin } : null;
      if (!sameOrigin(s.origin, origin)) {
        // Poses in the space frame keep their place in it and get a new lat/lon; poses stamped with their
        // authoring origin are transformed into the new frame and keep their place on Earth (X6).
        const frame = frameOf(origin);
        for (const [id, record] of s.anchors) {
          const cells = s.entries.get(id);
          const remerged = cells && hasFramedPose([...cells.values()]) ? mergeRecord(change.space, [...cells.values()], frame) : null;
          if (remerged) s.anchors.set(id, structuredClone(remerged));
          else record.geo = locate(frame.geo, record.anchor.pose.p);
        }
      }
      s.origin = origin;
      s.precision = change.meta.precision;
      progress.set(key(change.tenant, change.doc), change.version);
      return { kind: 'applied' };
    },

    purgeDoc(tenant, doc) {
      progress.delete(key(tenant, doc));
      const cell = cellOfDocId(doc);
      const s = cell ? spaces.get(key(tenant, cell.space)) : undefined;
      if (cell && s) {
        for (const [id, cells] of s.entries) {
          cells.delete(cell.cell);
          if (cells.size === 0) s.entries.delete(id);
        }
        for (const [id, record] of s.anchors) if (record.anchor.cell === cell.cell) s.anchors.delete(id);
      }
      const meta = spaceOfMetaDocId(doc);
      if (meta !== null) spaces.delete(key(tenant, meta));
    },

    async appliedVersion(tenant, doc) {
      isOpen();
      return progress.get(key(tenant, doc)) ?? 0;
    },

    async query(tenant, spaceName, q: AnchorQuery, { now, limit }) {
      isOpen();
      const s = spaces.get(key(tenant, spaceName));
      if (!s) return [];
      const live = [...s.anchors.values()].filter((r) => r.anchor.expiresAt === undefined || r.anchor.expiresAt > now);
      let hits: AnchorRecord[];
      if (q.kind === 'cell') {
        hits = live.filter((r) => r.anchor.cell.startsWith(q.prefix)).sort(byId);
      } else if (q.kind === 'rects') {
        hits = live.filter((r) => r.geo !== null && inRects(r.geo, q.rects)).sort(byId);
      } else {
        hits = live
          .filter((r) => r.geo !== null && inRects(r.geo, q.rects))
          .map((r) => ({ r, d: distanceM(q.center, r.geo!) }))
          .filter((x) => x.d <= q.radiusM)
          .sort((a, b) => a.d - b.d || byId(a.r, b.r))
          .map((x) => x.r);
      }
      return structuredClone(hits.slice(0, limit));
    },

    async purgeCandidates(cutoffs, limit, after) {
      isOpen();
      const due: PurgeCandidate[] = [];
      for (const [k, s] of spaces) {
        const [tenant, spaceName] = JSON.parse(k) as [string, string];
        for (const [id, cells] of s.entries) {
          const all = [...cells.values()];
          for (const e of all) {
            const r = purgeReason(e, all, s.anchors.get(id) ?? null, cutoffs);
            const c = r && { tenant, space: spaceName, cell: e.cell, id, ...r };
            if (c && (!after || comparePurgeKeys(c, after) > 0)) due.push(c);
          }
        }
      }
      return structuredClone(due.sort(comparePurgeKeys).slice(0, limit));
    },
  };
}

function byId(a: AnchorRecord, b: AnchorRecord): number {
  return a.anchor.id < b.anchor.id ? -1 : a.anchor.id > b.anchor.id ? 1 : 0;
}
