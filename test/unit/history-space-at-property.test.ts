/**
 * L1 for a whole space, seeded: the space's anchors as of any time (history/space-anchors-at.ts, what
 * `GET anchors?at=` answers) equal mergeAnchorView over the cell and meta docs rebuilt from ONLY the rows
 * committed by then, with expiry judged at that time. Random creates, moves within and across cells, props,
 * TTLs and deletes by two replicas; snapshots written now and then (newer than most times asked). The
 * Store's clock is a fake one, a second per batch, so every time maps to a known prefix.
 */
import * as Y from 'yjs';
import { describe, expect, it } from 'vitest';
import { newAnchorId, type GeoPoint, type Vec3 } from '@cairn/shared';
import { createMemoryStore } from '../../packages/server/src/store/memory-store.js';
import type { CommitRequest } from '../../packages/server/src/store/store.js';
import { spaceAnchorsAt } from '../../packages/server/src/history/space-anchors-at.js';
import { readDocAt } from '../../packages/server/src/history/doc-at.js';
import { anchorReplica, expectedView, type DocUpdate } from '../support/readmodel-writer.js';
import { prng } from '../support/prng.js';

const SEED = process.env.SEED ? Number(process.env.SEED) : Math.floor(Math.random() * 2 ** 31);
const ORIGIN: GeoPoint = { lat: 48.8566, lon: 2.3522, alt: 35 };
const CELLS = ['u09tvw0', 'u09tvw1', 'u09tvw2', 'u09tvw3'];
const T0 = Date.parse('2026-12-01T00:00:00Z');

describe('L1: a space as of a time', () => {
  it(`equals mergeAnchorView over the rows committed by then, for every batch boundary (SEED=${SEED})`, async () => {
    const random = prng(SEED);
    let clock = T0;
    const store = createMemoryStore({ now: () => clock });
    const replicas = [anchorReplica('r1', () => clock), anchorReplica('r2', () => clock)];
    /** Every committed batch with the time it was committed at, in order. */
    const log: { at: number; requests: CommitRequest[] }[] = [];
    let seq = 0;
    const commit = async (updates: readonly DocUpdate[]) => {
      clock += 1000;
      const requests = updates.map((u) => ({ tenant: 't', doc: u.doc, clientId: 'writer-0001', seq: seq++, actor: 'w', update: u.update }));
      await store.commitBatch(requests);
      log.push({ at: clock, requests });
      for (const r of replicas) for (const u of updates) r.receive(u);
    };
    await commit(replicas[0]!.meta('site', { origin: ORIGIN, precision: 7 }));
    const where = new Map<string, string>();
    for (let step = 0; step < 40; step++) {
      const r = replicas[random.int(2)]!;
      const ids = [...where.keys()];
      const p: Vec3 = [random.int(50) - 25, 0, random.int(50) - 25];
      const op = ids.length === 0 ? 0 : random.int(6);
      const id = ids.length > 0 ? random.pick(ids) : '';
      const cell = where.get(id) ?? '';
      if (op === 0) {
        const fresh = newAnchorId();
        const c = random.pick(CELLS);
        where.set(fresh, c);
        await commit(r.create('site', c, fresh, p, { props: { n: step }, ...(random.chance(0.3) ? { expiresAt: clock + 1000 * (1 + random.int(10)) } : {}) }));
      } else if (op === 1) {
        await commit(r.move('site', id, cell, p));
      } else if (op === 2) {
        const to = random.pick(CELLS);
        where.set(id, to);
        await commit(r.move('site', id, cell, p, to));
      } else if (op === 3) {
        await commit(r.props('site', cell, id, { n: step, [`k${random.int(3)}`]: random.int(100) }));
      } else if (op === 4) {
        await commit(r.ttl('site', cell, id, random.chance(0.5) ? null : clock + 1000 * random.int(8)));
      } else {
        where.delete(id);
        await commit(r.remove('site', cell, id));
      }
      if (random.chance(0.2)) {
        // A snapshot at the head of a random doc, as a room writes one: newer than most times asked below.
        const doc = random.pick([...new Set(log.flatMap((b) => b.requests.map((q) => q.doc)))]);
        const head = await readDocAt(store, 't', doc, { version: await store.headVersion('t', doc) });
        await store.saveSnapshot('t', doc, { version: head.version, state: Y.encodeStateAsUpdate(head.ydoc) });
        head.ydoc.destroy();
      }
    }

    const distinct = new Set<string>();
    for (let i = 0; i <= log.length; i++) {
      // Exactly at batch i's commit time (it is included), and half a batch later.
      for (const t of [i === 0 ? T0 : log[i - 1]!.at, (i === 0 ? T0 : log[i - 1]!.at) + 500]) {
        const prefix = createMemoryStore();
        for (const b of log.filter((b) => b.at <= t)) await prefix.commitBatch(b.requests);
        const docs = await prefix.listDocs('t', 'site');
        const want = await expectedView(prefix, 't', 'site', docs.filter((d) => d.includes('/cell/')), t);
        const got = await spaceAnchorsAt(store, 't', 'site', new Date(t), { kind: 'cell', prefix: '' }, { now: t, limit: 100_000 });
        expect(got, `SEED=${SEED} at batch ${i} (+${t - (log[i - 1]?.at ?? T0)} ms)`).toEqual(want);
        distinct.add(JSON.stringify(want));
      }
    }
    expect(log.length).toBe(41);
    // The answers really move through time (not one view asked 82 times).
    expect(distinct.size, `SEED=${SEED}`).toBeGreaterThan(10);
  });
});
