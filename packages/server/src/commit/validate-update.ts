/**
 * C3, C4: an update is stored only if it applies now and on every later load. Applying it to an empty
 * scratch doc is not enough: Yjs checks an item's references to OTHER clients before integrating it (a
 * missing one makes the item wait, pending), but trusts references to the item's OWN client, so an origin,
 * right origin or parent at a clock its client has not written yet throws inside the apply, on the room's
 * doc or later when a pending item finally integrates. A 14-byte update did that: stored, then every load
 * of its doc failed. So the update is checked against its own structure and, when this node holds the
 * doc, against the doc it will be applied to:
 *
 * - every reference to the struct's own client points below the struct's clock (what Yjs assumes);
 * - clients, clocks and lengths are bounded (MAX_CLIENT, MAX_CLOCK) and no struct is empty: Yjs never
 *   writes an empty struct, and one shares its clock with the next struct, which then finds nothing there;
 * - delete ranges per client are non-empty, ascending and disjoint, as Yjs writes them: the part of a range
 *   past the doc's state is re-encoded as pending deletions, and an empty or backward range throws there;
 * - a sub-document's options are the ones Yjs writes (a `gcFilter` that is not a function throws later);
 * - against the room's doc: a parent id that resolves must name a type (or an item deleted since), and the
 *   integration scans Yjs will make (items between a new item's origin and right origin, a map key's
 *   history) fit a budget proportional to the update's size (work-budget.ts).
 *
 * References to other clients that neither the doc nor the update holds are accepted: the item waits in
 * Yjs' pending state until they arrive, which honest clients cause (a client that saw a version on another
 * node before this node's room did), and an item that passed the checks above integrates without throwing
 * whenever it does.
 *
 * The decode reads every struct, its content and the delete set, so bytes that are not a v1 update fail
 * there. An update with a struct at clock 0 is also applied to an empty scratch doc, as before, which
 * covers the first update of a doc when no room holds it.
 */
import * as Y from 'yjs';
import { CairnError } from '@cairn/shared';
import { createWorkBudget, type WorkBudget } from './work-budget.js';

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
 * Throws CairnError INVALID_UPDATE unless the update can be stored. `doc`: the doc this node will apply it
 * to, when a room holds it here; without one only what the update says about itself is checked.
 */
export function validateUpdate(update: Uint8Array, doc?: Y.Doc | null): void {
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
  let atZero = false;
  for (const s of structs) {
    checkStruct(s, doc ?? null, budget);
    if (s.id.clock === 0) atZero = true;
  }
  checkDeleteSet(ds);
  if (!atZero) return;
  try {
    const scratch = new Y.Doc(SCRATCH);
    Y.applyUpdate(scratch, update);
    scratch.destroy();
  } catch (err) {
    refuse(err instanceof Error ? err.message.slice(0, 120) : 'apply failed');
  }
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
    if (s.parent instanceof Y.ID) checkParent(doc, s.parent);
    budget.spendIntegration(doc, s);
  }
}

function checkParent(doc: Y.Doc, parent: Y.ID): void {
  if (parent.clock >= Y.getState(doc.store, parent.client)) return; // not here yet: pending, see the header
  const target = Y.getItem(doc.store, parent) as Y.Item | Y.GC;
  if (target instanceof Y.Item && !target.deleted && !(target.content instanceof Y.ContentType)) refuse('parent is not a type');
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
