/**
 * L1, M1, C1 under compaction: random edits by three writers over ~70 simulated days, then compaction
 * passes (compact/compaction.ts, the schedule's own code path) with a 20-day history window, twice (the
 * second pass starts from the first one's floor). After each pass:
 *
 * - every version from the floor to the head, read through the history layer (readDocAt, by version and by
 *   each row's commit time), equals replaying the ORIGINAL full log to that version;
 * - every version and time below the floor fails with HISTORY_TRIMMED;
 * - the head is unchanged, and a room loaded from the Store after compaction equals a room loaded before
 *   (content, state vector, Yjs client owners: M1);
 * - every push resent after the trim is a duplicate, nothing is stored twice (C1).
 *
 * Runs on the memory Store (its clock is the simulated one) and on real Postgres (rows are stamped with the
 * simulated commit times after each batch). Seeded: prints SEED, `SEED=n` reproduces.
 */
import * as Y from 'yjs';
import { afterAll, describe, expect, it } from 'vitest';
import { isCairnError } from '@cairn/shared';
import type { CommitRequest, Store } from '../../packages/server/src/store/store.js';
import { createMemoryStore } from '../../packages/server/src/store/memory-store.js';
import { createPgStore } from '../../packages/server/src/store/pg-store.js';
import { readDocAt } from '../../packages/server/src/history/doc-at.js';
import { createRoom } from '../../packages/server/src/room/room.js';
import { createCompaction } from '../../packages/server/src/compact/compaction.js';
import type { AuditEvent } from '../../packages/server/src/audit/audit-event.js';
import { dropSchema, PG_URL, uniqueSchema, withPgClient } from '../contract/store-pg-schema.js';
import { prng, type Prng } from '../support/prng.js';

const DAY = 86_400_000;
const WINDOW_DAYS = 20;
const TENANT = 'acme';
const DOC = 'site/plan';
const WRITERS = ['alice', 'bob', 'carol'];

function contentOf(d: Y.Doc): unknown {
  return { text: d.getText('t').toString(), map: d.getMap('m').toJSON(), list: d.getArray('a').toJSON(), sv: [...Y.decodeStateVector(Y.encodeStateVector(d))].sort() };
}

function edit(r: Prng, d: Y.Doc): void {
  const text = d.getText('t');
  const list = d.getArray<number>('a');
  switch (r.int(5)) {
    case 0: text.insert(r.int(text.length + 1), String.fromCharCode(97 + r.int(26))); break;
    case 1: if (text.length > 0) text.delete(r.int(text.length), 1); else text.insert(0, 'z'); break;
    case 2: d.getMap('m').set(`k${r.int(6)}`, r.int(1000)); break;
    case 3: list.insert(r.int(list.length + 1), [r.int(10)]); break;
    default: if (list.length > 0) list.delete(r.int(list.length), 1); else list.push([0]);
  }
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  return p.then(() => 'resolved', (err: unknown) => (isCairnError(err) ? err.code : String(err)));
}

interface Sim {
  store: Store;
  /** The simulated clock (ms). */
  clock: { now: number };
  /** Called after each committed batch with its versions: the Postgres run stamps their commit time. */
  stamp(from: number, to: number, ms: number): Promise<void>;
}

async function loadRoom(store: Store): Promise<{ content: unknown; owners: [number, string][] }> {
  const room = createRoom({ tenant: TENANT, doc: DOC, store });
  await room.ready;
  try {
    return { content: contentOf(room.ydoc), owners: [...room.owners.durable].sort((a, b) => a[0] - b[0]) };
  } finally {
    room.destroy();
  }
}

async function runEquivalence(sim: Sim, seed: number): Promise<void> {
  const r = prng(seed);
  const { store, clock } = sim;
  const writers = WRITERS.map(() => new Y.Doc());
  const live = new Y.Doc();
  /** updates[v - 1] is version v; times[v - 1] its commit time; pushes[v - 1] the request. */
  const updates: Uint8Array[] = [];
  const times: number[] = [];
  const pushes: CommitRequest[] = [];
  const seqs = WRITERS.map(() => 0);
  const audits: AuditEvent[] = [];
  const compaction = createCompaction({ store, days: WINDOW_DAYS, now: () => clock.now, audit: (e) => void audits.push(e), page: 2 });

  async function editFor(days: number): Promise<void> {
    const end = clock.now + days * DAY;
    while (clock.now < end) {
      clock.now += r.int(3) === 0 ? r.int(4 * DAY) : r.int(60_000);
      const batch: CommitRequest[] = [];
      for (let i = 1 + r.int(4); i > 0; i--) {
        const w = r.int(WRITERS.length);
        const d = writers[w]!;
        Y.applyUpdate(d, Y.encodeStateAsUpdate(live, Y.encodeStateVector(d)));
        let out: Uint8Array | null = null;
        const capture = (u: Uint8Array) => (out = u);
        d.on('update', capture);
        edit(r, d);
        d.off('update', capture);
        Y.applyUpdate(live, out!);
        batch.push({ tenant: TENANT, doc: DOC, clientId: `replica-${w}`, seq: seqs[w]!++, actor: WRITERS[w]!, update: out! });
      }
      const from = updates.length + 1;
      const outcomes = await store.commitBatch(batch);
      expect(outcomes.map((o) => o.kind)).toEqual(batch.map(() => 'committed'));
      for (const b of batch) {
        updates.push(b.update);
        times.push(clock.now);
        pushes.push(b);
      }
      await sim.stamp(from, updates.length, clock.now);
    }
  }

  function replayTo(v: number): Y.Doc {
    const d = new Y.Doc();
    for (const u of updates.slice(0, v)) Y.applyUpdate(d, u);
    return d;
  }

  async function checkAfterPass(before: { content: unknown; owners: [number, string][] }): Promise<number> {
    const head = updates.length;
    const cutoff = clock.now - WINDOW_DAYS * DAY;
    const firstAfter = times.findIndex((t) => t > cutoff);
    const expectedFloor = firstAfter === -1 ? head : firstAfter;
    const floor = await store.loadHistoryFloor(TENANT, DOC);
    expect(floor?.version ?? 0, `SEED=${seed}: the floor is the doc as of the cutoff`).toBe(expectedFloor);
    const f = floor!.version;
    expect(await store.headVersion(TENANT, DOC)).toBe(head);
    // L1 inside the window, by version.
    for (let v = f; v <= head; v++) {
      const read = await readDocAt(store, TENANT, DOC, { version: v });
      const want = replayTo(v);
      try {
        expect(contentOf(read.ydoc), `SEED=${seed}: version ${v} (floor ${f})`).toEqual(contentOf(want));
      } finally {
        read.ydoc.destroy();
        want.destroy();
      }
    }
    // ... and by time: each row's commit time maps to the prefix committed by then.
    for (let v = f + 1; v <= head; v += 1 + r.int(3)) {
      const at = new Date(times[v - 1]!);
      const read = await readDocAt(store, TENANT, DOC, { at });
      const prefix = times.findIndex((t) => t > at.getTime());
      expect(read.version, `SEED=${seed}: time of version ${v}`).toBe(prefix === -1 ? head : prefix);
      const want = replayTo(read.version);
      expect(contentOf(read.ydoc)).toEqual(contentOf(want));
      read.ydoc.destroy();
      want.destroy();
    }
    // Below the floor: refused, by version and by time.
    for (const v of [0, 1, f - 1].filter((v) => v >= 0 && v < f)) {
      expect(await codeOf(readDocAt(store, TENANT, DOC, { version: v })), `SEED=${seed}: version ${v} < floor ${f}`).toBe('HISTORY_TRIMMED');
    }
    expect(await codeOf(readDocAt(store, TENANT, DOC, { at: new Date(floor!.at.getTime() - 1) }))).toBe('HISTORY_TRIMMED');
    expect(await codeOf(readDocAt(store, TENANT, DOC, { at: new Date(times[0]! - DAY) }))).toBe('HISTORY_TRIMMED');
    // M1: a room loaded now equals the one loaded before the pass.
    expect(await loadRoom(store), `SEED=${seed}: the room after compaction`).toEqual(before);
    // C1: every push resent is a duplicate; nothing new is stored.
    const again = await store.commitBatch(pushes);
    expect(again.filter((o) => o.kind !== 'duplicate'), `SEED=${seed}: resent pushes stored again`).toEqual([]);
    expect(await store.headVersion(TENANT, DOC)).toBe(head);
    return f;
  }

  await editFor(70);
  const before1 = await loadRoom(store);
  const full = replayTo(updates.length);
  expect(before1.content).toEqual(contentOf(full));
  full.destroy();
  const first = await compaction.run();
  expect(first.failed).toBe(0);
  const floor1 = await checkAfterPass(before1);
  expect(floor1, `SEED=${seed}: 70 days of edits leave something older than ${WINDOW_DAYS} days`).toBeGreaterThan(0);
  expect(first.rows).toBe(floor1);
  expect(audits.map((a) => [a.action, a.doc, a.detail?.['rows'], a.detail?.['floor']])).toEqual([['trim', DOC, floor1, floor1]]);

  // More edits, 15 more days: the second pass starts from the first one's floor.
  await editFor(15);
  const before2 = await loadRoom(store);
  const second = await compaction.run({ tenant: TENANT });
  const floor2 = await checkAfterPass(before2);
  expect(floor2).toBeGreaterThanOrEqual(floor1);
  expect(second.rows).toBe(floor2 - floor1);
  const usage = await store.tenantUsage(TENANT);
  const kept = updates.slice(floor2).reduce((n, u) => n + u.byteLength, 0);
  expect(usage.bytes, `SEED=${seed}: usage counts the kept rows only`).toBe(kept);
  await compaction.stop();
}

const seed = process.env.SEED ? Number(process.env.SEED) : Math.floor(Math.random() * 2 ** 31);
console.info(`compaction-equivalence: SEED=${seed}`);

describe('compaction equivalence (L1, M1, C1)', () => {
  it('L1, M1, C1: memory Store on a simulated clock', async () => {
    const clock = { now: Date.now() - 90 * DAY };
    const store = createMemoryStore({ now: () => clock.now });
    await runEquivalence({ store, clock, stamp: async () => {} }, seed);
  }, 120_000);

  const schema = uniqueSchema('compaction');
  afterAll(async () => {
    await dropSchema(schema);
  });

  it('L1, M1, C1: Postgres, rows stamped with simulated commit times', async () => {
    const clock = { now: Date.now() - 90 * DAY };
    const store = createPgStore({ connectionString: PG_URL, schema, poolSize: 4 });
    await store.migrate();
    try {
      await runEquivalence({
        store, clock,
        stamp: (from, to, ms) => withPgClient(async (c) => {
          await c.query(`UPDATE "${schema}".cairn_updates SET committed_at = to_timestamp($1::double precision / 1000) WHERE tenant = $2 AND doc = $3 AND version BETWEEN $4 AND $5`, [ms, TENANT, DOC, from, to]);
        }),
      }, seed);
    } finally {
      await store.close();
    }
  }, 180_000);
});
