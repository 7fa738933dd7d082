/**
 * L2 for one anchor: the update that makes one cell doc hold, for one anchor id, exactly the keys and
 * values an older copy of the doc held, and nothing else changes. Cell docs are flat root maps keyed by
 * `<id>` or `<id>|…` with plain values (shared/src/spatial/anchor-doc.ts), so a key-by-key rewrite is
 * exact: keys the old copy lacks are deleted, keys it holds with another value are set to its value.
 * Restored keys keep their old hlc (a pose key is `<id>|<hlc>`), so the merge rules (X2, X5) pick the old
 * pose and props again; an edit a replica made offline with a later clock still wins on merge, as it would
 * have over the old state (docs/DECISIONS.md, "What restore means").
 */
import * as Y from 'yjs';
import { ANCHOR_MAPS } from '@cairn/shared';
import { writeAsFreshClient } from './revert-update.js';

function ownsKey(id: string, key: string): boolean {
  return key === id || key.startsWith(`${id}|`);
}

/** Whether the doc holds any key of the anchor. */
export function holdsAnchor(doc: Y.Doc, id: string): boolean {
  return ANCHOR_MAPS.some((name) => [...doc.getMap(name).keys()].some((k) => ownsKey(id, k)));
}

/** Writes into `head` (a copy the caller owns) and returns the update, or null if nothing differs. */
export function restoreAnchorUpdate(head: Y.Doc, old: Y.Doc, id: string): Uint8Array | null {
  return writeAsFreshClient(head, () => {
    for (const name of ANCHOR_MAPS) {
      const now = head.getMap<unknown>(name);
      const then = old.getMap<unknown>(name);
      const keys = new Set([...now.keys(), ...then.keys()].filter((k) => ownsKey(id, k)));
      for (const key of keys) {
        if (!then.has(key)) now.delete(key);
        else if (!now.has(key) || JSON.stringify(now.get(key)) !== JSON.stringify(then.get(key))) now.set(key, structuredClone(then.get(key)));
      }
    }
  });
}
