/**
 * C4, S6: the work one update may cost the node that applies it, bounded in proportion to its size.
 *
 * Decoding and integrating are linear in the bytes, except one loop: Item.integrate walks the items between
 * a new item's left and right neighbours to order concurrent inserts, and for a map key with no origin it
 * first walks the key's whole history to its start. A ten-byte item with no origin on a key set a million
 * times, or at the head of a long list with no right origin, makes Yjs walk a million items (the Yjs
 * "tiny update, huge work" class); a few hundred such items in one frame keep a node busy for seconds.
 *
 * The budget counts the items those walks would visit, against the room's doc, before anything is stored:
 * BASE_STEPS plus STEPS_PER_BYTE per byte of the update. It is an upper bound of Yjs' walk (Yjs may stop
 * early), so an honest update is charged at most what it costs. An insert whose neighbours are adjacent,
 * which is every local edit of an up-to-date client and every pose update, costs nothing; an honest walk
 * is as long as the edits made concurrently at that spot, far below the budget.
 */
import * as Y from 'yjs';
import { CairnError } from '@cairn/shared';

/** ~1-3 ms of Yjs' walk on this machine class; a 1 MiB frame may walk 2^26 more. */
export const BASE_STEPS = 50_000;
export const STEPS_PER_BYTE = 64;

export interface WorkBudget {
  /** Charges the walks Yjs will make to integrate this item into `doc`; throws INVALID_UPDATE past the budget. */
  spendIntegration(doc: Y.Doc, item: Y.Item): void;
}

type AnyType = Y.AbstractType<unknown>;

export function createWorkBudget(bytes: number): WorkBudget {
  let left = BASE_STEPS + STEPS_PER_BYTE * bytes;

  function spend(): void {
    if (--left < 0) throw new CairnError('INVALID_UPDATE', 'the update costs more work to apply than its size allows');
  }

  /** The item holding `id` if the doc has it; undefined when the item will wait (pending) or is a GC. */
  function find(doc: Y.Doc, id: Y.ID): Y.Item | undefined {
    if (id.clock >= Y.getState(doc.store, id.client)) return undefined;
    const found = Y.getItem(doc.store, id) as Y.Item | Y.GC;
    return found instanceof Y.Item ? found : undefined;
  }

  function parentType(doc: Y.Doc, item: Y.Item): AnyType | undefined {
    const p = item.parent;
    if (typeof p === 'string') return doc.share.get(p) as AnyType | undefined;
    if (p instanceof Y.ID) {
      const target = find(doc, p);
      return target?.content instanceof Y.ContentType ? (target.content.type as AnyType) : undefined;
    }
    return undefined;
  }

  return {
    spendIntegration(doc, item) {
      // Already integrated here (a resend, or sync step 2 of a client that holds it): nothing to walk.
      if (item.id.clock < Y.getState(doc.store, item.id.client)) return;
      const l = item.origin ? find(doc, item.origin) : undefined;
      const r = item.rightOrigin ? find(doc, item.rightOrigin) : undefined;
      if ((item.origin && !l) || (item.rightOrigin && !r)) return; // pending, GC or in this update: nothing known to walk
      let o: Y.Item | null;
      if (l) {
        // Splitting l at the origin puts its rest between the new item and l.right: one step more.
        if (item.origin!.clock !== l.id.clock + l.length - 1) spend();
        o = l.right;
      } else {
        const type = r ? (r.parent as AnyType) : parentType(doc, item);
        if (!type) return;
        if (r && r.left === null) return; // inserting before the first item: no walk
        if (item.parentSub !== null) {
          o = type._map.get(item.parentSub) ?? null;
          while (o !== null && o.left !== null) {
            spend();
            o = o.left;
          }
        } else {
          o = type._start;
        }
      }
      while (o !== null && o !== r) {
        spend();
        o = o.right;
      }
    },
  };
}
