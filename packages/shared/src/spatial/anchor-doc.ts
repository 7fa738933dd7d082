/**
 * The Yjs layout of anchors, shared by every replica and the server's read model (DESIGN.md section 6).
 *
 * A space's anchors live in cell docs `<space>/cell/<geohash>`. A cell doc holds FLAT root maps keyed by
 * anchor id (and a sub-key): never a nested Y.Map per anchor, because two replicas creating the nested map
 * for the same id concurrently would make Yjs keep one of them whole and drop the other's content.
 *
 *   poses    `<id>|<hlc>` → {p, q, o?}   X2: an anchor's pose is the value under its GREATEST hlc. A
 *                                        writer adds its pose under a new key and deletes the keys it saw,
 *                                        so concurrent moves leave both keys and every replica picks the
 *                                        same whole pose. (A plain set would let Yjs pick by clientID.)
 *                                        X6: `o` = [lat, lon, alt], the space origin the pose was written
 *                                        in; absent (or unreadable): the space's current origin.
 *   moved    `<id>|<hlc>` → cell         forwarding tombstone: the anchor left this cell at hlc for cell.
 *                                        The entry is hidden when its newest move is newer than its pose.
 *   expires  `<id>|<hlc>` → ms | null    TTL as last written; X4 is enforced by the reader's clock.
 *   propsAt  `<id>|<key>|<hlc>` → {v} | null   app data: a set or a delete of one key at hlc, merged per key
 *                                        by hlc over EVERY cell the id has lived in (X5, anchor-props.ts).
 *   props    `<id>|<key>` → value        legacy props without hlc: read (as hlc ''), never written.
 *   created  `<id>` → {by, at}
 *   deleted  `<id>` → {at, by}           tombstone. Final: delete wins over concurrent or later moves, in
 *                                        every cell the id appears in (the documented delete-vs-move rule).
 *   refs     `<id>|<kind>|<handle>` → PlatformRef
 *
 * Reading is pure: `readCell` lists the entries of one doc, `mergeAnchorView` folds the entries of many
 * cells into at most one visible anchor per id (X3), hiding deleted and expired ones (X4).
 */
import * as Y from 'yjs';
import type { Pose } from './pose.js';
import { isPose } from './pose.js';
import type { GeoPoint } from './geodetic.js';
import { checkLatLon } from './geo-validate.js';
import {
  decodePropValue, encodePropValue, hasOwn, mergeProps, parsePropMapKey, propMapKey, propsOf, setOwn, type PropWrite,
} from './anchor-props.js';

export interface PlatformRef {
  kind: string;
  handle: string;
  deviceId?: string;
}

export interface AnchorPose extends Pose {
  hlc: string;
  /**
   * X6: the space origin this pose was authored in (frame-transform.ts puts it in the winning frame).
   * Absent: the space's current origin, as for every pose written before X6.
   */
  frame?: GeoPoint;
}

export interface Anchor {
  id: string;
  space: string;
  pose: AnchorPose;
  cell: string;
  props: Record<string, unknown>;
  createdBy: string;
  createdAt: string;
  expiresAt?: number;
  deleted?: { at: string; by: string };
  platformRefs?: PlatformRef[];
}

/** One anchor id as one cell doc holds it, before merging across cells. */
export interface CellEntry {
  id: string;
  cell: string;
  pose: AnchorPose | null;
  /** Newest forwarding tombstone, if any. */
  movedTo: { cell: string; hlc: string } | null;
  expiresAt: number | null;
  /** The cell's current prop values (legacy ones too). */
  props: Record<string, unknown>;
  /**
   * The hlc of each prop key's newest write in this cell, deletes included (a key here but not in props is
   * deleted). Absent in entries stored before props had clocks: all their props are legacy (hlc '').
   */
  propClocks?: Record<string, string>;
  created: { by: string; at: string } | null;
  deleted: { at: string; by: string } | null;
  platformRefs: PlatformRef[];
}

export const CELL_DOC_PREFIX = 'cell/';

export function cellDocId(space: string, cell: string): string {
  return `${space}/${CELL_DOC_PREFIX}${cell}`;
}

/** The cell of a doc id `<space>/cell/<geohash>`, or null for any other doc. */
export function cellOfDocId(doc: string): { space: string; cell: string } | null {
  const m = /^([^/]+)\/cell\/([0-9b-hjkmnp-z]{1,12})$/.exec(doc);
  return m ? { space: m[1]!, cell: m[2]! } : null;
}

const SEP = '|';

/** The authoring origin of a stored pose value (`o`), or undefined if it has none or it does not check out. */
function frameOfValue(value: unknown): GeoPoint | undefined {
  const o = (value as { o?: unknown }).o;
  if (!Array.isArray(o) || o.length !== 3 || !o.every((c) => typeof c === 'number' && Number.isFinite(c))) return undefined;
  const [lat, lon, alt] = o as [number, number, number];
  try {
    checkLatLon(lat, lon, 'pose frame');
  } catch {
    return undefined;
  }
  return { lat, lon, alt };
}

const MAPS = ['poses', 'moved', 'expires', 'props', 'created', 'deleted', 'refs', 'propsAt'] as const;
type MapName = (typeof MAPS)[number];
/** The root maps of a cell doc; every key in them is `<id>` or starts with `<id>|` (history/anchor-restore.ts). */
export const ANCHOR_MAPS: readonly string[] = MAPS;

function root(doc: Y.Doc, name: MapName): Y.Map<unknown> {
  return doc.getMap(name);
}

/** A cell doc's root maps, each with its bit (changedAnchorMaps); looked up once per doc, not per transaction. */
const rootBitsOf = new WeakMap<Y.Doc, Map<unknown, number>>();

function rootBits(doc: Y.Doc): Map<unknown, number> {
  let bits = rootBitsOf.get(doc);
  if (!bits) rootBitsOf.set(doc, (bits = new Map(MAPS.map((n, i) => [root(doc, n), 1 << i]))));
  return bits;
}

function idOfKey(key: string): string {
  const i = key.indexOf(SEP);
  return i < 0 ? key : key.slice(0, i);
}

function subOfKey(key: string): string {
  return key.slice(key.indexOf(SEP) + 1);
}

/**
 * Per root map: anchor id → its keys. Kept current by an observer (remote and hydrated changes, which Yjs
 * reports before 'afterTransaction') and eagerly by this module's writers (changes inside a transaction),
 * so reading or writing one anchor costs O(its keys), not O(every anchor of the cell).
 */
const keyIndex = new WeakMap<Y.Map<unknown>, Map<string, Set<string>>>();

function indexKey(idx: Map<string, Set<string>>, key: string): void {
  const id = idOfKey(key);
  let keys = idx.get(id);
  if (!keys) idx.set(id, (keys = new Set()));
  keys.add(key);
}

function unindexKey(idx: Map<string, Set<string>>, key: string): void {
  const id = idOfKey(key);
  const keys = idx.get(id);
  if (!keys) return;
  keys.delete(key);
  if (keys.size === 0) idx.delete(id);
}

function keysById(map: Y.Map<unknown>): Map<string, Set<string>> {
  let idx = keyIndex.get(map);
  if (idx) return idx;
  const built = new Map<string, Set<string>>();
  for (const k of map.keys()) indexKey(built, k);
  // keysChanged and has(), not ev.changes.keys: that one walks each key's item history to build
  // {action, oldValue} records nobody here reads (a third of this observer's cost on a remote move).
  map.observe((ev) => {
    for (const k of ev.keysChanged) {
      if (k === null) continue;
      if (map.has(k)) indexKey(built, k);
      else unindexKey(built, k);
    }
  });
  keyIndex.set(map, built);
  idx = built;
  return idx;
}

function setKey(map: Y.Map<unknown>, key: string, value: unknown): void {
  map.set(key, value);
  indexKey(keysById(map), key);
}

function deleteKey(map: Y.Map<unknown>, key: string): void {
  map.delete(key);
  unindexKey(keysById(map), key);
}

function emptyEntry(cell: string, id: string): CellEntry {
  return { id, cell, pose: null, movedTo: null, expiresAt: null, props: {}, propClocks: {}, created: null, deleted: null, platformRefs: [] };
}

/** `latest`: per `<map>|<id>`, the greatest hlc visit() has seen, so the newest write of a key wins. */
function newer(latest: Map<string, string>, map: string, id: string, hlc: string): boolean {
  const k = map + SEP + id;
  const prev = latest.get(k);
  if (prev !== undefined && prev >= hlc) return false;
  latest.set(k, hlc);
  return true;
}

/** Folds one key of a root map into the entry of its id. */
function visit(e: CellEntry, name: MapName, value: unknown, key: string, latest: Map<string, string>): void {
  const id = e.id;
  const sub = subOfKey(key);
  switch (name) {
    case 'poses':
      if (isPose(value) && newer(latest, name, id, sub)) {
        const frame = frameOfValue(value);
        e.pose = { p: [...value.p], q: [...value.q], hlc: sub, ...(frame ? { frame } : {}) };
      }
      break;
    case 'moved':
      if (newer(latest, name, id, sub)) e.movedTo = { cell: String(value), hlc: sub };
      break;
    case 'expires':
      if (newer(latest, name, id, sub)) e.expiresAt = typeof value === 'number' ? value : null;
      break;
    case 'props':
      if (!hasOwn(e.propClocks!, sub)) setOwn(e.props, sub, value);
      break;
    case 'propsAt': {
      const at = parsePropMapKey(key);
      const w = decodePropValue(value);
      const clocks = e.propClocks!;
      if (!at || !w || (hasOwn(clocks, at.key) && clocks[at.key]! > at.hlc)) break;
      setOwn(clocks, at.key, at.hlc);
      if (w.deleted) delete e.props[at.key];
      else setOwn(e.props, at.key, w.value);
      break;
    }
    case 'created':
      e.created = value as { by: string; at: string };
      break;
    case 'deleted':
      e.deleted = value as { at: string; by: string };
      break;
    case 'refs':
      e.platformRefs.push(value as PlatformRef);
      break;
  }
}

/** A doc's root maps and their key indexes, in MAPS order: looked up once per doc, not per read. */
interface DocMaps {
  maps: Y.Map<unknown>[];
  keys: Map<string, Set<string>>[];
}

const docMapsOf = new WeakMap<Y.Doc, DocMaps>();

function docMaps(doc: Y.Doc): DocMaps {
  let dm = docMapsOf.get(doc);
  if (!dm) {
    const maps = MAPS.map((n) => root(doc, n));
    docMapsOf.set(doc, (dm = { maps, keys: maps.map(keysById) }));
  }
  return dm;
}

/** Visits the keys of the entry's id in root map `i`, in the order the key index holds them. */
function visitIdKeys(dm: DocMaps, i: number, e: CellEntry, keys: ReadonlySet<string>, latest: Map<string, string>): void {
  const map = dm.maps[i]!;
  for (const key of keys) {
    const value = map.get(key);
    if (value !== undefined || map.has(key)) visit(e, MAPS[i]!, value, key, latest);
  }
}

/** readCell of one id: its entry in the cell, or null if the doc holds no key of it. */
export function readEntry(doc: Y.Doc, cell: string, id: string): CellEntry | null {
  const dm = docMaps(doc);
  let e: CellEntry | null = null;
  const latest = new Map<string, string>();
  for (let i = 0; i < MAPS.length; i++) {
    const keys = dm.keys[i]!.get(id);
    if (keys) visitIdKeys(dm, i, (e ??= emptyEntry(cell, id)), keys, latest);
  }
  return e;
}

/** Every anchor entry one cell doc holds (live, forwarded or deleted alike), or only those in `only`. */
export function readCell(doc: Y.Doc, cell: string, only?: ReadonlySet<string>): CellEntry[] {
  const entries = new Map<string, CellEntry>();
  const latest = new Map<string, string>();
  const entry = (id: string) => {
    let e = entries.get(id);
    if (!e) entries.set(id, (e = emptyEntry(cell, id)));
    return e;
  };
  if (!only) {
    for (const name of MAPS) root(doc, name).forEach((value, key) => visit(entry(idOfKey(key)), name, value, key, latest));
    return [...entries.values()];
  }
  const dm = docMaps(doc);
  for (let i = 0; i < MAPS.length; i++) {
    for (const id of only) {
      const keys = dm.keys[i]!.get(id);
      if (keys) visitIdKeys(dm, i, entry(id), keys, latest);
    }
  }
  return [...entries.values()];
}

/** Per anchor id a transaction touched in a cell doc: one bit per root map it changed a key of (ANCHOR_MAPS order). */
export function changedAnchorMaps(tx: Y.Transaction, doc: Y.Doc): Map<string, number> {
  const bits = rootBits(doc);
  const out = new Map<string, number>();
  for (const [type, keys] of tx.changed) {
    const bit = bits.get(type);
    if (bit === undefined) continue;
    for (const k of keys) {
      if (k === null) continue;
      const id = idOfKey(k);
      out.set(id, (out.get(id) ?? 0) | bit);
    }
  }
  return out;
}

/** The bit of the poses map in changedAnchorMaps. */
export const POSES_BIT = 1 << MAPS.indexOf('poses');

/** The id's pose in the cell doc as readCell reads it (the one under the greatest hlc, X2), or null. */
export function readPose(doc: Y.Doc, cell: string, id: string): AnchorPose | null {
  const dm = docMaps(doc);
  const keys = dm.keys[0]!.get(id);
  if (!keys) return null;
  const e = emptyEntry(cell, id);
  visitIdKeys(dm, 0, e, keys, new Map());
  return e.pose;
}

const PROPS_BITS = (1 << MAPS.indexOf('props')) | (1 << MAPS.indexOf('propsAt'));

/**
 * Reads again, into an entry readCell made of this doc, the root maps whose bits are set (changedAnchorMaps):
 * the entry then equals what readCell would return for its id now. Each field is replaced, never mutated, so
 * anchors merged from the entry before keep their values. False when the doc holds no key of the id any more
 * (readCell would return no entry for it).
 */
export function rereadEntry(doc: Y.Doc, e: CellEntry, bits: number): boolean {
  // Legacy props yield to clocked ones (visit): the two maps are read together, legacy first as in MAPS.
  if (bits & PROPS_BITS) bits |= PROPS_BITS;
  const dm = docMaps(doc);
  const latest = new Map<string, string>();
  for (let i = 0; i < MAPS.length; i++) {
    if ((bits & (1 << i)) === 0) continue;
    const name = MAPS[i]!;
    switch (name) {
      case 'poses': e.pose = null; break;
      case 'moved': e.movedTo = null; break;
      case 'expires': e.expiresAt = null; break;
      case 'props': e.props = {}; e.propClocks = {}; break;
      case 'propsAt': break; // cleared with 'props'
      case 'created': e.created = null; break;
      case 'deleted': e.deleted = null; break;
      case 'refs': e.platformRefs = []; break;
    }
    const keys = dm.keys[i]!.get(e.id);
    if (keys) visitIdKeys(dm, i, e, keys, latest);
  }
  return dm.keys.some((k) => k.has(e.id));
}

/** True for an entry that is only a forwarding tombstone: it moved away after its last pose here. */
export function isForwarded(e: CellEntry): boolean {
  return e.movedTo !== null && (e.pose === null || e.movedTo.hlc >= e.pose.hlc);
}

/**
 * Folds the entries of one anchor id from every cell a replica holds into its one visible anchor (X3), or
 * null if it is deleted anywhere, forwarded everywhere, or expired at `now` (X4). Among live entries the one
 * with the greatest pose hlc wins whole (X2); ties go to the smaller cell name so every replica agrees. Props
 * are the exception: each key is its latest write among ALL the entries, forwarded ones too (X5).
 */
export function mergeEntries(space: string, entries: readonly CellEntry[], now: number): Anchor | null {
  if (entries.some((e) => e.deleted)) return null;
  const win = winnerOf(entries);
  if (!win || !win.pose) return null;
  if (win.expiresAt !== null && win.expiresAt <= now) return null;
  return {
    id: win.id,
    space,
    pose: win.pose,
    cell: win.cell,
    props: propsOf(mergeProps(entries, win)),
    createdBy: win.created?.by ?? '',
    createdAt: win.created?.at ?? '',
    ...(win.expiresAt !== null ? { expiresAt: win.expiresAt } : {}),
    ...(win.platformRefs.length > 0 ? { platformRefs: win.platformRefs } : {}),
  };
}

/** The live entry whose pose wins (X2), or null if there is none. */
function winnerOf(entries: readonly CellEntry[]): CellEntry | null {
  let win: CellEntry | null = null;
  for (const e of entries) {
    if (!e.pose || isForwarded(e)) continue;
    if (!win || e.pose.hlc > win.pose!.hlc || (e.pose.hlc === win.pose!.hlc && e.cell < win.cell)) win = e;
  }
  return win;
}

/**
 * Per prop key, the winning write among the entries of one id (deletes included): what a move across a
 * cell edge copies into the new cell (copyProps), so the new cell alone shows the same props (X5).
 */
export function propWritesOf(entries: readonly CellEntry[]): Map<string, PropWrite> {
  const win = winnerOf(entries);
  return win ? mergeProps(entries, win) : new Map();
}

/** The merged view of many cells' entries: one anchor per id at most (X3). */
export function mergeAnchorView(space: string, entries: Iterable<CellEntry>, now: number): Map<string, Anchor> {
  const byId = new Map<string, CellEntry[]>();
  for (const e of entries) {
    const list = byId.get(e.id);
    if (list) list.push(e);
    else byId.set(e.id, [e]);
  }
  const view = new Map<string, Anchor>();
  for (const [id, list] of byId) {
    const a = mergeEntries(space, list, now);
    if (a) view.set(id, a);
  }
  return view;
}

/* ---------------------------------------------------------------- writes (call inside a transaction) */

/** Adds `value` under `<id>|<hlc>` and deletes every older key of the id this replica sees (superseded). */
function writeLatest(map: Y.Map<unknown>, id: string, hlc: string, value: unknown): void {
  const key = id + SEP + hlc;
  for (const k of [...(keysById(map).get(id) ?? [])]) if (k < key) deleteKey(map, k);
  setKey(map, key, value);
}

export interface AnchorInit {
  id: string;
  pose: AnchorPose;
  props?: Record<string, unknown>;
  created: { by: string; at: string };
  expiresAt?: number | null;
  platformRefs?: PlatformRef[];
}

/** Writes a whole anchor into a cell doc (create, or the arriving half of a move). */
export function putAnchor(doc: Y.Doc, a: AnchorInit): void {
  setPose(doc, a.id, a.pose);
  const created = root(doc, 'created');
  if (!created.has(a.id)) setKey(created, a.id, a.created);
  if (a.expiresAt !== undefined) setExpiry(doc, a.id, a.expiresAt, a.pose.hlc);
  if (a.props) setProps(doc, a.id, a.props, a.pose.hlc);
  for (const ref of a.platformRefs ?? []) addPlatformRef(doc, a.id, ref);
}

/** X6: a pose with a `frame` is stored with its authoring origin; one without, in the current frame. */
export function setPose(doc: Y.Doc, id: string, pose: AnchorPose): void {
  const f = pose.frame;
  writeLatest(root(doc, 'poses'), id, pose.hlc, { p: [...pose.p], q: [...pose.q], ...(f ? { o: [f.lat, f.lon, f.alt] } : {}) });
}

/** The leaving half of a move across a cell edge: a forwarding tombstone in the old cell. */
export function markMoved(doc: Y.Doc, id: string, toCell: string, hlc: string): void {
  writeLatest(root(doc, 'moved'), id, hlc, toCell);
}

/** Sets (or, for undefined, deletes) each key of the patch at `hlc`, the writer's clock (X5). */
export function setProps(doc: Y.Doc, id: string, patch: Record<string, unknown>, hlc: string): void {
  for (const [k, v] of Object.entries(patch)) writeProp(doc, id, k, hlc, v);
}

/**
 * The arriving half of a move: the props writes the mover sees (propWritesOf), each under its ORIGINAL hlc so
 * that an edit made concurrently in the old cell still wins where it is newer. Legacy props of the id in
 * this cell are left from an earlier stay of the anchor (or copied here now): they go.
 */
export function copyProps(doc: Y.Doc, id: string, writes: ReadonlyMap<string, PropWrite>): void {
  const legacy = root(doc, 'props');
  for (const k of [...(keysById(legacy).get(id) ?? [])]) deleteKey(legacy, k);
  writeProps(doc, id, writes);
}

/** Props writes under their own hlcs: a copy that changes no merged view, only where the writes are held. */
export function writeProps(doc: Y.Doc, id: string, writes: ReadonlyMap<string, PropWrite>): void {
  for (const [k, w] of writes) writeProp(doc, id, k, w.hlc, w.deleted ? undefined : w.value);
}

/** One key's write: supersedes (deletes) the older writes of the key this cell holds, unless one is as new. */
function writeProp(doc: Y.Doc, id: string, key: string, hlc: string, value: unknown): void {
  const map = root(doc, 'propsAt');
  for (const k of [...(keysById(map).get(id) ?? [])]) {
    const at = parsePropMapKey(k);
    if (at?.key !== key) continue;
    if (at.hlc >= hlc) return;
    deleteKey(map, k);
  }
  const legacy = root(doc, 'props');
  if (legacy.has(id + SEP + key)) deleteKey(legacy, id + SEP + key);
  setKey(map, propMapKey(id, key, hlc), encodePropValue(value));
}

export function setExpiry(doc: Y.Doc, id: string, expiresAt: number | null, hlc: string): void {
  writeLatest(root(doc, 'expires'), id, hlc, expiresAt);
}

export function markDeleted(doc: Y.Doc, id: string, at: string, by: string): void {
  const deleted = root(doc, 'deleted');
  if (!deleted.has(id)) setKey(deleted, id, { at, by });
}

export function addPlatformRef(doc: Y.Doc, id: string, ref: PlatformRef): void {
  const key = [id, ref.kind, ref.handle].join(SEP);
  const refs = root(doc, 'refs');
  if (!refs.has(key)) setKey(refs, key, { ...ref });
}

/** The anchor ids a transaction touched in a cell doc (for incremental index updates, X1). */
export function touchedAnchorIds(tx: Y.Transaction, doc: Y.Doc): Set<string> {
  const ids = new Set<string>();
  const roots = rootBits(doc);
  for (const [type, keys] of tx.changed) {
    if (!roots.has(type)) continue;
    for (const k of keys) if (k !== null) ids.add(idOfKey(k));
  }
  return ids;
}
