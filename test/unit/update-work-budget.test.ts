/**
 * C4/S6: the work one update may cost is bounded by its size. Yjs integrates an item with no origin on a
 * map key by walking the key's whole history, so a few dozen bytes can make it walk the history many times
 * over (the "tiny update, huge work" class). Such an update is refused with INVALID_UPDATE before it is
 * stored; an honest edit of the same key (it names the current value as its origin) walks nothing.
 */
import * as Y from 'yjs';
import { describe, expect, it } from 'vitest';
import { CairnError } from '@cairn/shared';
import { validateUpdate } from '../../packages/server/src/commit/validate-update.js';
import { BASE_STEPS } from '../../packages/server/src/commit/work-budget.js';
import { craftUpdate } from '../support/craft-update.js';

/** A doc whose map m key `k` was set `times` times by alternating clients (nothing merges). */
function longHistory(times: number): Y.Doc {
  const doc = new Y.Doc();
  for (let i = 0; i < times; i++) {
    doc.clientID = 1000 + (i % 2);
    doc.getMap('m').set('k', i);
  }
  return doc;
}

function refusal(update: Uint8Array, doc: Y.Doc): unknown {
  try {
    validateUpdate(update, doc);
    return null;
  } catch (err) {
    return err;
  }
}

describe('the work one update may cost', () => {
  const history = 6_000;
  const doc = longHistory(history);

  it('C4: items with no origin on a key with a long history, more walking than the update\'s size allows, are refused', () => {
    // 12 items of a dozen bytes each; Yjs would walk the 6,000-item history twice per item.
    const sections = Array.from({ length: 12 }, (_, i) => ({
      client: 50 + i,
      clock: 0,
      structs: [{ kind: 'item' as const, parent: 'm', parentSub: 'k', content: { kind: 'any' as const, values: [i] } }],
    }));
    const update = craftUpdate(sections);
    expect(12 * 2 * history).toBeGreaterThan(BASE_STEPS + 64 * update.byteLength);
    const err = refusal(update, doc);
    expect(err).toBeInstanceOf(CairnError);
    expect(err).toMatchObject({ code: 'INVALID_UPDATE' });
  });

  it('C4: an honest set of the same key, and a single origin-less item within the budget, pass', () => {
    const peer = new Y.Doc();
    Y.applyUpdate(peer, Y.encodeStateAsUpdate(doc));
    let update: Uint8Array = new Uint8Array();
    peer.on('update', (u: Uint8Array) => (update = u));
    peer.getMap('m').set('k', 'honest');
    expect(refusal(update, doc)).toBeNull();
    const one = craftUpdate([{ client: 77, clock: 0, structs: [{ kind: 'item', parent: 'm', parentSub: 'k', content: { kind: 'any', values: [1] } }] }]);
    expect(refusal(one, doc)).toBeNull();
  });
});
