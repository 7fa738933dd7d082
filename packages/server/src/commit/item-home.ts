/**
 * Which list an item of an update will be linked into: its "home", the parent type and map key. Yjs takes
 * it from the item's left neighbour (origin), else its right neighbour (right origin), else the parent the
 * item names (Item.getMissing), and links the item between its two neighbours without checking that they
 * share a list. An update whose origin and right origin sit in different lists, or whose item continues a
 * neighbour of another list, links an item into one type's list while it counts in another's; collecting
 * the first type then throws ("Unexpected case" in Item.gc) in some later transaction. validate-update.ts
 * refuses those, using this resolver.
 *
 * A home is a string key: `r<name>` for a root type, `i<client>:<clock>` for the type an item holds, plus
 * the map key as JSON (`null` in a list, so a key cannot pass for a list: isMapHome). References resolve in the room's doc first, then in the update itself (following the
 * update's own items' neighbours, with a bounded depth); a reference found in neither is `unknown` (the
 * item will wait for it).
 */
import * as Y from 'yjs';

export type Home = string | 'collected' | 'unknown';

type Struct = Y.Item | Y.GC | Y.Skip;

const MAX_DEPTH = 64;

export interface HomeResolver {
  /** The home of the item holding `id`, in the doc or the update. */
  of(id: Y.ID): Home;
  /** The home of an item of the update. */
  ofItem(item: Y.Item): Home;
  /** The update's struct holding `id`, if any. */
  inUpdate(id: Y.ID): Y.Item | Y.GC | Y.Skip | undefined;
}

const sub = (parentSub: string | null): string => JSON.stringify(parentSub);

/** True for a home in a map (under a key), where Yjs only ever writes items of length 1. */
export function isMapHome(home: Home): boolean {
  return home !== 'unknown' && home !== 'collected' && !home.endsWith('|null');
}

function typeKey(doc: Y.Doc, type: unknown): Home {
  if (!(type instanceof Y.AbstractType)) return 'collected';
  const item = type._item;
  if (item) return `i${item.id.client}:${item.id.clock}`;
  for (const [name, root] of doc.share) if (root === type) return `r${name}`;
  return 'unknown';
}

export function createHomeResolver(doc: Y.Doc, structs: readonly Struct[]): HomeResolver {
  // The update's structs by client, in clock order (a section's structs are consecutive).
  const byClient = new Map<number, Struct[]>();
  for (const s of structs) {
    let list = byClient.get(s.id.client);
    if (!list) byClient.set(s.id.client, (list = []));
    list.push(s);
  }
  const memo = new Map<Y.Item, Home>();

  function inUpdate(id: Y.ID): Struct | undefined {
    const list = byClient.get(id.client);
    if (!list) return undefined;
    let lo = 0;
    let hi = list.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const s = list[mid]!;
      if (id.clock < s.id.clock) hi = mid - 1;
      else if (id.clock >= s.id.clock + s.length) lo = mid + 1;
      else return s;
    }
    return undefined;
  }

  function of(id: Y.ID, depth: number): Home {
    if (id.clock < Y.getState(doc.store, id.client)) {
      const found = Y.getItem(doc.store, id) as Y.Item | Y.GC;
      return found instanceof Y.Item ? (found.parent === null ? 'collected' : `${typeKey(doc, found.parent)}|${sub(found.parentSub)}`) : 'collected';
    }
    const s = inUpdate(id);
    if (s instanceof Y.Item) return ofItem(s, depth + 1);
    return s ? 'collected' : 'unknown';
  }

  function ofItem(item: Y.Item, depth: number): Home {
    const known = memo.get(item);
    if (known) return known;
    if (depth > MAX_DEPTH) return 'unknown';
    memo.set(item, 'unknown'); // a cycle of references resolves to unknown (the items wait)
    let home: Home;
    const neighbour = item.origin ?? item.rightOrigin;
    if (neighbour) home = of(neighbour, depth);
    else if (typeof item.parent === 'string') home = `r${item.parent}|${sub(item.parentSub)}`;
    else if (item.parent instanceof Y.ID) {
      const p = item.parent;
      const inDoc = p.clock < Y.getState(doc.store, p.client) ? (Y.getItem(doc.store, p) as Y.Item | Y.GC) : inUpdate(p);
      home = inDoc === undefined ? 'unknown' : inDoc instanceof Y.Item ? `i${p.client}:${p.clock}|${sub(item.parentSub)}` : 'collected';
    } else home = 'collected';
    memo.set(item, home);
    return home;
  }

  return { of: (id) => of(id, 0), ofItem: (item) => ofItem(item, 0), inUpdate };
}
