/**
 * C3, C4: an update is stored only if it applies now and on every later load. Applying it to an empty
 * scratch doc is not enough. Yjs checks an item's references to OTHER clients before integrating it (a
 * missing one makes the item wait in its pending state) but trusts references to the item's OWN client, so
 * an origin, right origin or parent at a clock its client has not written throws inside the apply, on the
 * room's doc or later when a waiting item integrates; a 14-byte update did that, was stored, and then every
 * load of its doc failed. It also links an item between its two neighbours without checking that they share
 * a list. So the update is checked on its own and, when this node holds the doc, against that doc:
 *
 * - every reference to the struct's own client points below the struct's clock (what Yjs assumes);
 * - clients, clocks and lengths are bounded (MAX_CLIENT, MAX_CLOCK) and no struct is empty: Yjs never
 *   writes one, and it shares its clock with the next struct, which then finds nothing there;
 * - delete ranges per client are non-empty, ascending and disjoint, as Yjs writes them: the part of a range
 *   past the doc's state is re-encoded as pending deletions, and an empty or backward range throws there;
 * - a sub-document's options are the ones Yjs writes (a `gcFilter` that is not a function throws later);
 * - against the doc (checkLists, item-home.ts): a parent id names a type the doc or the update holds (or a
 *   type deleted since); origin and right origin lie in one list; an item that overlaps its client's state
 *   continues an item of the same list and integrates at once; no update ends inside an item that waits;
 *   and the integration walks Yjs will make fit a budget proportional to the update's size (work-budget.ts);
 *   a live map entry has length 1 (checkMapEntry).
 *
 * The result says whether the update `applies` or `waits` (for clocks the doc does not hold). Honest
 * updates wait only for writes still committing or versions this node has not received yet, so the commit
 * path stores a waiting update only after those (commit-path.ts); waiting items are where hostile updates
 * break later, honest ones.
 *
 * An update with a struct at clock 0 is also applied to an empty scratch doc, as before, which covers the
 * first update of a doc when no room holds it. The doc is never copied: these checks read its struct store.
 */
import * as Y from 'yjs';
import { CairnError } from '@cairn/shared';
import { createWorkBudget, type WorkBudget } from './work-budget.js';
import { createHomeResolver, isMapHome, type HomeResolver } from './item-home.js';

/** Yjs client ids are uint32. */
export const MAX_CLIENT = 2 ** 32 - 1;
/** No client writes 2^31 clock ticks honestly; the cap keeps clock + length exact and small everywhere. */
export const MAX_CLOCK = 2 ** 31;

/**
 * The scratch doc gets a fixed guid: without one, Y.Doc mints a uuidv4 from 31 separate crypto reads,
 * ~75 µs per update. The guid only names a subdoc and plays no part in applying an update.
 */
const SCRATCH = { gc: false, guid: 'cairn-validate-scratch' } as const;

type Struct = Y.Item | Y.GC | Y.Skip;
/** Y.decodeUpdate's delete set (the class is not exported): ranges per client, in the update's order. */
type DeleteSet = { clients: Map<number, Array<{ clock: number; len: number }>> };

function refuse(message: string): never {
  throw new CairnError('INVALID_UPDATE', message);
}

function checkId(id: Y.ID, what: string): void {
  if (id.client > MAX_CLIENT || id.clock >= MAX_CLOCK) refuse(`${what} out of range`);
}

/**
 * What an update that may be stored does to `doc`: integrates now, or leaves structs or deletions waiting
 * for clocks the doc does not hold (Yjs' pending state). Without a doc: `applies`, as far as can be told.
 */
export type Validation = 'applies' | 'waits';

/**
 * Throws CairnError INVALID_UPDATE unless the update can be stored. `doc`: the doc this node will apply it
 * to, when a room holds it here; without one only what the update says about itself is checked. An update
 * that `waits` is stored only once the clocks it waits for are known to be committed (commit-path.ts).
 * `writes`, if given, gets each client the update has structs of (Skip aside) → the end clock of its
 * structs, for the Yjs client owners check (room/yclient-owners.ts), so the update is decoded once.
 */
export function validateUpdate(update: Uint8Array, doc?: Y.Doc | null, writes?: Map<number, number>, waitsOn?: Set<number>): Validation {
  if (update.byteLength < 2) refuse('shorter than an empty update');
  let structs: Struct[];
  let ds: DeleteSet;
  try {
    // decodeUpdate walks every struct and the delete set; it throws on truncated or unknown content.
    ({ structs, ds } = Y.decodeUpdate(update) as { structs: Struct[]; ds: DeleteSet });
  } catch (err) {
    refuse(err instanceof Error ? err.message.slice(0, 120) : 'does not decode');
  }
  const budget = createWorkBudget(update.byteLength);
  const homes = doc ? createHomeResolver(doc, structs) : null;
  const waits = doc && homes ? waitingFrom(doc, homes, structs, waitsOn) : null;
  let atZero = false;
  for (const s of structs) {
    checkStruct(s, doc ?? null, budget);
    if (doc && homes && waits && s instanceof Y.Item) {
      checkLists(doc, homes, waits, s);
      checkMapEntry(homes, ds, s);
    }
    if (s.id.clock === 0) atZero = true;
    if (writes && !(s instanceof Y.Skip)) writes.set(s.id.client, Math.max(writes.get(s.id.client) ?? 0, s.id.clock + s.length));
  }
  checkDeleteSet(ds);
  if (doc && waits && doc.store.pendingStructs) checkWaiting(doc, structs, waits);
  if (atZero) {
    try {
      const scratch = new Y.Doc(SCRATCH);
      Y.applyUpdate(scratch, update);
      scratch.destroy();
    } catch (err) {
      refuse(err instanceof Error ? err.message.slice(0, 120) : 'apply failed');
    }
  }
  if (!doc || !waits) return 'applies';
  // Both are asked (not ||) when the caller wants every client the update waits for.
  const deletes = deletesWait(doc, structs, ds, waitsOn);
  return waits.size > 0 || deletes ? 'waits' : 'applies';
}

/**
 * True if a deletion names clocks neither the doc nor the update holds (they would wait as pending). With
 * `waitsOn`, every such client is added to it.
 */
function deletesWait(doc: Y.Doc, structs: readonly Struct[], ds: DeleteSet, waitsOn?: Set<number>): boolean {
  let found = false;
  for (const [client, items] of ds.clients) {
    let end = Y.getState(doc.store, client);
    for (const s of structs) if (s.id.client === client && !(s instanceof Y.Skip)) end = Math.max(end, s.id.clock + s.length);
    if (!items.some(({ clock, len }) => clock + len > end)) continue;
    found = true;
    if (!waitsOn) return true;
    waitsOn.add(client);
  }
  return found;
}

function checkStruct(s: Struct, doc: Y.Doc | null, budget: WorkBudget): void {
  const { client, clock } = s.id;
  if (client > MAX_CLIENT) refuse('client id out of range');
  if (s.length < 1) refuse('empty struct');
  if (clock + s.length > MAX_CLOCK) refuse('clock out of range');
  if (!(s instanceof Y.Item)) return;
  for (const [ref, what] of [[s.origin, 'origin'], [s.rightOrigin, 'right origin'], [s.parent instanceof Y.ID ? s.parent : null, 'parent']] as const) {
    if (ref === null) continue;
    checkId(ref, what);
    // Yjs resolves a reference to the item's own client without checking that it exists (Item.getMissing).
    if (ref.client === client && ref.clock >= clock) refuse(`${what} at a clock its client has not written`);
  }
  if (s.content instanceof Y.ContentDoc) checkSubdoc(s.content);
  if (doc) {
    budget.spendIntegration(doc, s);
  }
}

/**
 * The lists an item is linked into (item-home.ts). Its two neighbours must share one list. An item that
 * starts below its client's state in the doc and ends above it is integrated from the state on, with the
 * doc's item just before as its left neighbour (Item.integrate's offset): that must be an item (a GC has
 * no neighbours and the integration throws) of the same list, and the item must integrate now, since the
 * neighbour could be collected by the time a waiting item integrates.
 */
function checkLists(doc: Y.Doc, homes: HomeResolver, waits: ReadonlyMap<number, number>, s: Y.Item): void {
  if (s.parent instanceof Y.ID) checkParent(doc, homes, s.parent);
  if (s.origin && s.rightOrigin) {
    const l = homes.of(s.origin);
    const r = homes.of(s.rightOrigin);
    if (known(l) && known(r) && l !== r) refuse('origin and right origin are in different lists');
  }
  const state = Y.getState(doc.store, s.id.client);
  if (s.id.clock >= state || s.id.clock + s.length <= state) return;
  const left = Y.getItem(doc.store, Y.createID(s.id.client, state - 1)) as Y.Item | Y.GC;
  if (!(left instanceof Y.Item)) refuse('overlaps a collected range of its client');
  if ((waits.get(s.id.client) ?? Infinity) <= s.id.clock) refuse('overlaps its client\'s state and waits');
  const home = homes.ofItem(s);
  if (home !== 'collected' && home !== homes.of(left.id)) refuse('continues an item of another list');
}

/**
 * A live entry of a map (an item under a key) is one item of length 1: Yjs writes no other. A longer one
 * can be split by a later reference into its middle (an origin, a deletion), and the piece left of the
 * split stays in the key's chain of replaced values without being deleted; collecting the map (its parent
 * deleted) walks that chain and throws ("Unexpected case" in Item.gc), in the transaction of whichever
 * update deletes it. Deleted entries may be longer (Yjs merges consecutive replaced values of one client).
 */
function checkMapEntry(homes: HomeResolver, ds: DeleteSet, s: Y.Item): void {
  if (s.length === 1 || s.content instanceof Y.ContentDeleted) return;
  if (!isMapHome(homes.ofItem(s))) return;
  const deleted = ds.clients.get(s.id.client)?.some(({ clock, len }) => clock <= s.id.clock && s.id.clock + s.length <= clock + len);
  if (!deleted) refuse('a map entry of more than one item');
}

/**
 * Per client, the clock from which the update's structs wait: Yjs integrates a client's structs in order
 * and sets aside the rest of them at the first one that waits, for a gap in the client's own clocks or for
 * a reference to a clock that neither the doc holds nor the update brings (or brings only in structs that
 * wait themselves, hence the second pass). `waitsOn` gets the clients whose missing clocks they wait for
 * (a superset: the commit path waits for this node's writes of those clients, commit-path.ts).
 */
function waitingFrom(doc: Y.Doc, homes: HomeResolver, structs: readonly Struct[], waitsOn?: Set<number>): Map<number, number> {
  const from = new Map<number, number>();
  const missing = (ref: Y.ID | null): boolean => {
    if (!ref || ref.clock < Y.getState(doc.store, ref.client)) return false;
    const inUpdate = homes.inUpdate(ref);
    return !inUpdate || inUpdate instanceof Y.Skip || ref.clock >= (from.get(ref.client) ?? Infinity);
  };
  for (let pass = 0; pass < 2; pass++) {
    const next = new Map<number, number>();
    for (const s of structs) {
      const { client, clock } = s.id;
      if (clock >= (from.get(client) ?? Infinity)) continue;
      const expected = next.get(client) ?? Y.getState(doc.store, client);
      if (s instanceof Y.Skip) continue; // the clocks after it must come from elsewhere: `expected` stays
      let waits = clock > expected;
      if (waits) waitsOn?.add(client);
      if (s instanceof Y.Item) {
        const parent = s.parent instanceof Y.ID ? s.parent : null;
        for (const ref of [s.origin, s.rightOrigin, parent]) {
          if (ref && ref.client !== client && missing(ref)) {
            waits = true;
            waitsOn?.add(ref.client);
          }
        }
      }
      if (waits) from.set(client, clock);
      else next.set(client, Math.max(expected, clock + s.length));
    }
  }
  return from;
}

function known(home: string): boolean {
  return home !== 'unknown' && home !== 'collected';
}

/** The doc's waiting structs, decoded once per change of Yjs' pending update (which Yjs replaces, never edits). */
const waitingCache = new WeakMap<Uint8Array, Struct[]>();

/**
 * The same hazard one step later: an item waiting in the doc's pending state integrates when its client's
 * gap fills, and if this update takes its client's state into the middle of it, it integrates from there on
 * with this update's last item as left neighbour, which is a GC if that item was collected.
 */
function checkWaiting(doc: Y.Doc, structs: readonly Struct[], waits: ReadonlyMap<number, number>): void {
  const pending = doc.store.pendingStructs!.update;
  let waiting = waitingCache.get(pending);
  if (!waiting) {
    waiting = Y.decodeUpdateV2(pending).structs as Struct[];
    waitingCache.set(pending, waiting);
  }
  // Each client's state after this update: its structs advance it up to the first one that waits.
  const after = new Map<number, number>();
  const stopped = new Set<number>();
  for (const s of structs) {
    const { client, clock } = s.id;
    if (stopped.has(client)) continue;
    const state = after.get(client) ?? Y.getState(doc.store, client);
    if (clock >= (waits.get(client) ?? Infinity) || clock > state) stopped.add(client);
    else after.set(client, Math.max(state, clock + s.length));
    if (!after.has(client)) after.set(client, state);
  }
  for (const w of waiting) {
    const state = after.get(w.id.client);
    if (state !== undefined && !(w instanceof Y.Skip) && w.id.clock < state && state < w.id.clock + w.length) refuse('ends inside an item that waits for it');
  }
}

/**
 * A parent id must name a type, in the doc (or an item deleted since: an offline edit inside a type someone
 * deleted) or in the update. One that neither holds is refused rather than left waiting: Yjs turns a
 * parent that is not a type into `undefined` when the item integrates, and an item of that client set
 * aside again in the same pass is then written into the pending state with no parent, which throws.
 */
function checkParent(doc: Y.Doc, homes: HomeResolver, parent: Y.ID): void {
  if (parent.clock < Y.getState(doc.store, parent.client)) {
    const target = Y.getItem(doc.store, parent) as Y.Item | Y.GC;
    if (target instanceof Y.Item && !target.deleted && !(target.content instanceof Y.ContentType)) refuse('parent is not a type');
    return;
  }
  const target = homes.inUpdate(parent);
  if (!(target instanceof Y.Item && target.content instanceof Y.ContentType)) refuse('parent is not a type in the doc or the update');
}

/** The options Y.Doc takes from the update's JSON (createDocFromOpts), with the types Yjs writes. */
function checkSubdoc(content: Y.ContentDoc): void {
  const d = content.doc;
  const ok = typeof d.guid === 'string' && typeof d.gc === 'boolean' && typeof d.gcFilter === 'function'
    && typeof d.autoLoad === 'boolean' && typeof d.shouldLoad === 'boolean'
    && (d.collectionid === null || typeof d.collectionid === 'string');
  if (!ok) refuse('sub-document options');
}

function checkDeleteSet(ds: DeleteSet): void {
  for (const [client, items] of ds.clients) {
    if (client > MAX_CLIENT) refuse('delete set client out of range');
    let end = 0;
    for (const { clock, len } of items) {
      if (len < 1 || clock < end || clock + len > MAX_CLOCK) refuse('delete set ranges must be non-empty, ascending and in range');
      end = clock + len;
    }
  }
}

/** True for an update that carries no structs and no deletions (y-websocket sends these in sync step 2). */
export function isEmptyUpdate(update: Uint8Array): boolean {
  // An empty v1 update is exactly [0 structs, 0 delete-set clients].
  return update.byteLength === 2 && update[0] === 0 && update[1] === 0;
}
