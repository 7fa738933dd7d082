/**
 * C4: a live map entry longer than one item is refused. Yjs writes map values as items of length 1; a
 * hostile update wrote one of length 3 (its key taken from its origin, so the update names no key) and, in
 * the same update, an item whose origin sits in its middle, which splits it. The piece left of the split
 * stays in the key's chain of replaced values without being deleted, and collecting the map then throws
 * ("Unexpected case" in Item.gc): the update was accepted, and the room's own apply failed. Found by the
 * update fuzzer (seed 13, 300,000 updates, case 154,658); these are the rows of that doc, the bad one last.
 */
import * as Y from 'yjs';
import { describe, expect, it } from 'vitest';
import { CairnError } from '@cairn/shared';
import { validateUpdate } from '../../packages/server/src/commit/validate-update.js';

const ROWS = [
  '0101ee050008010161017d0100',
  '0101c904000401017402616200',
  '0101ee050148ee0500027d1a77017600',
  '0102ee05032701016d026e30012800ee050301700175037d037d077d0000',
  '0102ee05052701016d026e32012800ee050501700175037d047d057d0800',
  '0001ee05010001',
  '0000',
  '0102c9040246c90400066974616c69630474727565c6c90400c90401066974616c6963046e756c6c00',
  '0101ee050148ee0500027d1a7f017600',
  '0001ee05010201',
  '010104000a0300',
  '0001c904010101',
  '0000',
  '0101ee05072801016d026b34017d0c00',
  '0001ee05010101',
  '0202ee05052701016d026e32012800ee050501700175037d047d057d0801c904000401017402606201ee05010201',
  '0102ee05082701016d026e31012800ee050801700175037d037d057d0100',
  '0209ee0500010101610141ee0500022701016d026e30012800ee050301700175037d037d077d002701016d026e32012800ee050501700175037d047d057d082801016d026b34017d0c2701016d026e31012800ee050801700175037d037d057d0104c9040004010174016181c904000146c90400066974616c69630474727565c6c90401c90401066974616c6963046e756c6c02ee05010003c904010101',
  '0101ee050a88ee0500017d0100',
  '0001c9040200010202',
  '0202050088ee0509037d027d007d03a7ee050805017001ee050a86050104626f6c64047472756500',
].map((h) => new Uint8Array(Buffer.from(h, 'hex')));

function refusal(update: Uint8Array, doc: Y.Doc): string | null {
  try {
    validateUpdate(update, doc);
    return null;
  } catch (err) {
    return err instanceof CairnError ? err.code : String(err);
  }
}

describe('map entries of more than one item', () => {
  it('C4: an update with a live map entry of length 3, split by its own next item, is refused before it can break the doc', () => {
    const doc = new Y.Doc(); // gc on, as a room's doc
    for (const row of ROWS.slice(0, -1)) {
      expect(refusal(row, doc)).toBeNull();
      Y.applyUpdate(doc, row);
    }
    const bad = ROWS.at(-1)!;
    expect(refusal(bad, doc)).toBe('INVALID_UPDATE');
    // What it did when stored: the room's apply throws.
    expect(() => Y.applyUpdate(doc, bad)).toThrow('Unexpected case');
  });

  it('C4: honest map updates still pass, including replaced values a doc without gc merges into one deleted item', () => {
    const writer = new Y.Doc({ gc: false });
    const m = writer.getMap<unknown>('m');
    for (let i = 0; i < 5; i++) m.set('k', i);
    const inner = new Y.Map<unknown>();
    m.set('n', inner);
    for (let i = 0; i < 3; i++) inner.set('p', [i, i]);
    m.set('n', 'gone');
    const full = Y.encodeStateAsUpdate(writer);
    expect(Y.decodeUpdate(full).structs.some((s) => s.length > 1)).toBe(true);
    const room = new Y.Doc();
    expect(refusal(full, room)).toBeNull();
    Y.applyUpdate(room, full);
    expect(room.getMap('m').toJSON()).toEqual({ k: 4, n: 'gone' });
  });
});
