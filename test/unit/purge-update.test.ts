/**
 * purge/purge-update.ts on plain Yjs docs: the update keeps exactly the tombstone (stage one) or nothing
 * (stage two), leaves other anchors alone, is re-checked against the doc (an anchor the doc no longer
 * bears out is skipped), and is a no-op the second time. It measures what a purged anchor leaves in a
 * compacted doc (printed), and checks the Yjs rule the offline-device case rests on: a replica's write of
 * a NEW key survives the purge's deletes, and the tombstone still hides the anchor (X4, L5).
 */
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { ANCHOR_MAPS, markMoved, mergeAnchorView, newAnchorId, putAnchor, readCell, setPose } from '@cairn/shared';
import type { PurgeCandidate, PurgeCutoffs } from '@cairn/server';
import { purgeUpdate } from '../../packages/server/src/purge/purge-update.js';

const CELL = 'u09tvw0';
const T = Date.UTC(2030, 0, 1);
const DAY = 86_400_000;
const hlc = (ms: number) => `${ms.toString(16).padStart(12, '0')}-000000-w`;
const CUTOFFS: PurgeCutoffs = { expiredBefore: T + 10 * DAY, deletedBefore: new Date(T + 10 * DAY).toISOString(), droppedBefore: new Date(T + 10 * DAY).toISOString(), forwardedBefore: hlc(T + 10 * DAY).slice(0, 13) };

function anchorDoc(ids: string[], expiresAt?: number): Y.Doc {
  const d = new Y.Doc();
  for (const id of ids) {
    putAnchor(d, {
      id, pose: { p: [1, 2, 3], q: [0, 0, 0, 1], hlc: hlc(T) }, created: { by: 'w', at: new Date(T).toISOString() },
      props: { label: 'crate', note: 'n'.repeat(200) }, platformRefs: [{ kind: 'webxr', handle: 'h-1' }],
      ...(expiresAt !== undefined ? { expiresAt } : {}),
    });
  }
  return d;
}

const keysOf = (d: Y.Doc, id: string) => ANCHOR_MAPS.flatMap((m) => [...d.getMap(m).keys()].filter((k) => k === id || k.startsWith(`${id}|`)).map((k) => `${m}:${k}`));
const cand = (id: string, reason: PurgeCandidate['reason'], deleted: PurgeCandidate['deleted'] = null): PurgeCandidate => ({ tenant: 't', space: 's', cell: CELL, id, reason, deleted });
const size = (d: Y.Doc) => Y.encodeStateAsUpdate(d).byteLength;

describe('purge update', () => {
  it('L5: an expired anchor keeps only a tombstone dated by the pass, then nothing; other anchors are untouched', () => {
    const [gone, kept] = [newAnchorId(), newAnchorId()];
    const server = anchorDoc([gone, kept], T);
    const replica = new Y.Doc();
    Y.applyUpdate(replica, Y.encodeStateAsUpdate(server));
    const single = anchorDoc([gone], T);
    const whole = size(single);

    const one = purgeUpdate(server, CELL, [cand(gone, 'expired')], CUTOFFS, T + 20 * DAY);
    expect(one.purged.expired).toEqual([gone]);
    expect(keysOf(server, gone)).toEqual([`deleted:${gone}`]);
    expect(server.getMap('deleted').get(gone)).toEqual({ at: new Date(T + 20 * DAY).toISOString(), by: 'cairn:purge' });
    expect(keysOf(server, kept).length).toBe(keysOf(anchorDoc([kept], T), kept).length);
    // The replica merges it like any edit.
    Y.applyUpdate(replica, one.update!);
    expect(Y.encodeStateAsUpdate(replica)).toEqual(Y.encodeStateAsUpdate(server));
    expect([...mergeAnchorView('s', readCell(replica, CELL), 0).keys()]).toEqual([kept]);
    // Nothing left to do: no update.
    expect(purgeUpdate(server, CELL, [cand(gone, 'expired')], CUTOFFS, T + 20 * DAY).update).toBeNull();

    const s1 = purgeUpdate(single, CELL, [cand(gone, 'expired')], CUTOFFS, T + 20 * DAY);
    const tombstoned = size(single);
    const s2 = purgeUpdate(single, CELL, [cand(gone, 'tombstone', { at: '', by: '' })], { ...CUTOFFS, droppedBefore: new Date(T + 30 * DAY).toISOString() }, T + 30 * DAY);
    expect(keysOf(single, gone)).toEqual([]);
    const dropped = size(single);
    console.log(`one anchor (200-byte note, one ref), compacted doc state: ${whole} B whole, ${tombstoned} B as a tombstone, ${dropped} B after the tombstone went (updates: ${s1.update!.byteLength} B, ${s2.update!.byteLength} B)`);
    // Yjs frees a deleted item's content but keeps its header (client, clock, key) so that concurrent
    // edits still find their origins: what an anchor leaves is the names of its keys, not its values.
    expect(tombstoned).toBeLessThan(whole);
    expect(dropped).toBeLessThan(tombstoned);
  });

  it('L5: the doc has the last word: an extended TTL, a tombstone not yet due and a live anchor are skipped', () => {
    const [extended, fresh] = [newAnchorId(), newAnchorId()];
    const d = anchorDoc([extended], T + 100 * DAY);
    putAnchor(d, { id: fresh, pose: { p: [0, 0, 0], q: [0, 0, 0, 1], hlc: hlc(T) }, created: { by: 'w', at: 'x' } });
    d.getMap('deleted').set(fresh, { at: new Date(T + 15 * DAY).toISOString(), by: 'w' });
    const plan = purgeUpdate(d, CELL, [cand(extended, 'expired'), cand(fresh, 'deleted', { at: new Date(T + 15 * DAY).toISOString(), by: 'w' }), cand(fresh, 'tombstone')], CUTOFFS, T + 20 * DAY);
    expect(plan.update).toBeNull();
  });

  it('L5: a replica offline since before the purge that moves the anchor keeps its new key, and the tombstone still hides it', () => {
    const id = newAnchorId();
    const server = anchorDoc([id]);
    const offline = new Y.Doc();
    Y.applyUpdate(offline, Y.encodeStateAsUpdate(server)); // it goes offline before the delete
    server.getMap('deleted').set(id, { at: new Date(T).toISOString(), by: 'w' });
    Y.transact(offline, () => setPose(offline, id, { p: [9, 9, 9], q: [0, 0, 0, 1], hlc: hlc(T + 50 * DAY) }));
    const plan = purgeUpdate(server, CELL, [cand(id, 'deleted', { at: new Date(T).toISOString(), by: 'w' })], CUTOFFS, T + 20 * DAY);
    expect(plan.update).not.toBeNull();
    Y.applyUpdate(server, Y.encodeStateAsUpdate(offline));
    Y.applyUpdate(offline, Y.encodeStateAsUpdate(server));
    expect(keysOf(server, id).sort()).toEqual([`deleted:${id}`, `poses:${id}|${hlc(T + 50 * DAY)}`]);
    expect(Y.encodeStateAsUpdate(offline)).toEqual(Y.encodeStateAsUpdate(server));
    expect(mergeAnchorView('s', readCell(server, CELL), 0).size).toBe(0);
  });

  it('L5: an old forwarding entry goes whole; one the doc shows moved back since is left', () => {
    const [away, back] = [newAnchorId(), newAnchorId()];
    const d = anchorDoc([away, back]);
    Y.transact(d, () => {
      markMoved(d, away, 'u09tvw1', hlc(T + 1));
      markMoved(d, back, 'u09tvw1', hlc(T + 1));
      setPose(d, back, { p: [0, 0, 0], q: [0, 0, 0, 1], hlc: hlc(T + 2) }); // moved back into this cell
    });
    const plan = purgeUpdate(d, CELL, [cand(away, 'forwarded'), cand(back, 'forwarded')], CUTOFFS, T + 20 * DAY);
    expect(plan.purged.forwarded).toEqual([away]);
    expect(keysOf(d, away)).toEqual([]);
    expect(keysOf(d, back).length).toBeGreaterThan(3);
  });
});
