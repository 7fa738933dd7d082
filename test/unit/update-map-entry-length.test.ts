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

/**
 * Seed 14, case 23,844: the same kind of entry (row 9, split by its own last item) was stored, and the doc
 * went on until an honest edit (row 21) replaced the map holding it; that honest edit threw and was
 * quarantined.
 */
const LATER = [
  '0101c505002801016d026b35017d900500',
  '0101c5050104010174017100',
  '0101c5050208010161017d0100',
  '0001c505010201',
  '0101760048c50502027d2f77017600',
  '0101760244c50501017100',
  '010276032701016d026e31012800760301700175037d017d037d0500',
  '0103c5050386c5050104626f6c64047472756584c50503016186c5050404626f6c64046e756c6c00',
  '01030200887604037d087d047d01e4c50505c50504017883020002000000',
  '000176010001',
  '020104000a03020400000308000204027d007d0300',
  '0101c50506c87601c50502027d2677017600',
  '0207c505002801016d026b35017d9005040101740171010101610186c5050104626f6c64047472756584c50503016186c5050404626f6c64046e756c6cc87601c50502027d2677017605760041c5050201c87600c505020177017644c5050101712701016d026e31012800760301700175037d017d037d0502c50501020176010001',
  '0001c5050201010303',
  '0001760048c50502027d2f77017600',
  '0103c5050886c5050504626f6c64047472756584c50508016186c5050904626f6c64046e756c6c00',
  '0000',
  '0101c5050a08010161017d0100',
  '0000',
  '010182ee03002801016d022b32017d0800',
  '0102c5050ba77603012800c5050b01700175037d007d007d030176010302',
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

  it('C4: such an entry is refused, and with it the honest edit it would break later stays whole', () => {
    const broken = new Y.Doc();
    for (const row of LATER.slice(0, 8)) Y.applyUpdate(broken, row);
    expect(refusal(LATER[8]!, broken)).toBe('INVALID_UPDATE');
    // Stored anyway (as before), the honest edit of row 21 throws in the room's apply.
    for (const row of LATER.slice(8, 20)) Y.applyUpdate(broken, row);
    expect(() => Y.applyUpdate(broken, LATER[20]!)).toThrow('Unexpected case');
    // Refused (and what builds on it refused in turn), the doc takes the honest edit.
    const whole = new Y.Doc();
    for (const row of LATER.slice(0, 20)) if (refusal(row, whole) === null) Y.applyUpdate(whole, row);
    expect(refusal(LATER[20]!, whole)).toBeNull();
    Y.applyUpdate(whole, LATER[20]!);
    expect(whole.getMap('m').get('n1')).toBeInstanceOf(Y.Map);
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
