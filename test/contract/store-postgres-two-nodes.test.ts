/**
 * Two Store instances on one Postgres schema are two server nodes: separate pools, shared rows. These
 * cases only exist where a second process can commit between our statements.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../../packages/server/src/store/migrations/list.js';
import { createPgStore } from '../../packages/server/src/store/pg-store.js';
import type { Store } from '../../packages/server/src/store/store.js';
import { batchesOf, expectGapFreeLog, push } from './store-fixtures.js';
import { dropSchema, PG_URL, uniqueSchema, withPgClient } from './store-pg-schema.js';
import { seededRandom } from './store-seeded-random.js';
import { until } from '../support/until.js';
import { createCompaction } from '../../packages/server/src/compact/compaction.js';
import { mapUpdate } from '../support/yjs-updates.js';

const DOC = 'space/doc';
const schema = uniqueSchema('nodes');
const random = seededRandom('store two nodes');
let nodeA: Store;
let nodeB: Store;

beforeAll(async () => {
  nodeA = createPgStore({ connectionString: PG_URL, schema, poolSize: 8 });
  nodeB = createPgStore({ connectionString: PG_URL, schema, poolSize: 8 });
  await Promise.all([nodeA.migrate(), nodeB.migrate()]);
});

afterAll(async () => {
  await Promise.all([nodeA.close(), nodeB.close()]);
  await dropSchema(schema);
});

describe('Store postgres: two nodes', () => {
  it('C2: two nodes hammering one doc use every version 1..N exactly once', async () => {
    const sizes = Array.from({ length: 60 }, () => random.int(1, 6));
    const batches = batchesOf('t-hammer', DOC, 'client', sizes);
    const outcomes = await Promise.all(batches.map((batch, b) => (b % 2 === 0 ? nodeA : nodeB).commitBatch(batch)));
    await expectGapFreeLog(nodeA, 't-hammer', DOC, batches, outcomes, random.seed);
  });

  it('C1: the same batches sent to both nodes at once are stored once, and both nodes answer the same versions', async () => {
    const batches = batchesOf('t-twice', DOC, 'client', Array.from({ length: 30 }, () => random.int(1, 6)));
    const [fromA, fromB] = await Promise.all([
      Promise.all(batches.map((batch) => nodeA.commitBatch(batch))),
      Promise.all(batches.map((batch) => nodeB.commitBatch(batch))),
    ]);
    const merged = batches.map((batch, b) =>
      batch.map((_, i) => {
        const [a, z] = [fromA[b]![i]!, fromB[b]![i]!];
        expect(a.version, `SEED=${random.seed}: batch ${b} request ${i}`).toBe(z.version);
        expect([a.kind, z.kind].sort(), `SEED=${random.seed}: batch ${b} request ${i}`).toEqual(['committed', 'duplicate']);
        return { kind: 'committed' as const, version: a.version };
      }),
    );
    await expectGapFreeLog(nodeB, 't-twice', DOC, batches, merged, random.seed);
  });

  it('C1: a push another node commits between our dedupe query and our insert is answered as a duplicate', async () => {
    const raced = push('t-race', DOC, 'client-a', 0);
    const next = push('t-race', DOC, 'client-a', 1);
    const outcome = await withPgClient(async (other) => {
      // The "other node": its commit of `raced` is in flight, holding the doc row, when nodeA's batch starts.
      await other.query('BEGIN');
      await other.query(`INSERT INTO "${schema}".cairn_docs (tenant, doc, head_version) VALUES ($1, $2, 1)`, [raced.tenant, DOC]);
      await other.query(
        `INSERT INTO "${schema}".cairn_updates (tenant, doc, version, client_id, seq, actor, bytes) VALUES ($1, $2, 1, $3, $4, $5, $6)`,
        [raced.tenant, DOC, raced.clientId, raced.seq, raced.actor, raced.update],
      );
      const { rows: [me] } = await other.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      const pending = nodeA.commitBatch([raced, next]);
      let settled = false;
      void pending.then(() => (settled = true), () => (settled = true));
      // nodeA's dedupe query cannot see the uncommitted row; its head upsert then waits on our lock.
      await withPgClient(async (observer) => {
        for (;;) {
          const { rows } = await observer.query('SELECT 1 FROM pg_stat_activity WHERE $1 = ANY (pg_blocking_pids(pid))', [me!.pid]);
          if (rows.length > 0 || settled) return;
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
      });
      await other.query('COMMIT');
      return pending;
    });
    expect(outcome).toEqual([{ kind: 'duplicate', version: 1 }, { kind: 'committed', version: 2 }]);
    expect(await nodeB.headVersion('t-race', DOC)).toBe(2);
    expect(await nodeB.loadUpdates('t-race', DOC, 0)).toEqual([
      { version: 1, update: raced.update, actor: raced.actor },
      { version: 2, update: next.update, actor: next.actor },
    ]);
  });
});

describe('Store postgres: concurrent migrate', () => {
  it('migrate() from three nodes at once on a fresh schema succeeds and applies each migration once', async () => {
    const fresh = uniqueSchema('migrate');
    const nodes = [0, 1, 2].map(() => createPgStore({ connectionString: PG_URL, schema: fresh, poolSize: 2 }));
    try {
      await Promise.all(nodes.map((node) => node.migrate()));
      expect(await nodes[0]!.commitBatch([push('t', DOC, 'client-a', 0)])).toEqual([{ kind: 'committed', version: 1 }]);
      expect(await nodes[2]!.headVersion('t', DOC)).toBe(1);
      const { rows } = await withPgClient((client) => client.query(`SELECT id FROM "${fresh}".cairn_migrations ORDER BY id`));
      expect(rows).toEqual(MIGRATIONS.map((m) => ({ id: m.id })));
    } finally {
      await Promise.all(nodes.map((node) => node.close()));
      await dropSchema(fresh);
    }
  });

  it('C5: two nodes claiming one clientId at once agree on one owner', async () => {
    const claims = Array.from({ length: 20 }, (_, i) => ({ node: i % 2 === 0 ? nodeA : nodeB, subject: `subject-${i}` }));
    const owners = await Promise.all(claims.map((c) => c.node.claimClient('t-claim', 'contested-id', c.subject)));
    expect(new Set(owners).size).toBe(1);
    expect(claims.map((c) => c.subject)).toContain(owners[0]);
    expect(await nodeB.claimClient('t-claim', 'contested-id', 'late')).toBe(owners[0]);
  });
});

describe('Store postgres: two nodes trimming (compaction)', () => {
  /** Sessions of this test's two trimming nodes that wait for a lock (pg_stat_activity, by application_name). */
  async function waiting(app: string): Promise<number> {
    const { rows } = await withPgClient((c) => c.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'`, [app]));
    return rows[0]!.n;
  }

  it('C1, L1: a trim to an older floor that commits after a newer one never moves the floor back (trims of a tenant take turns)', async () => {
    const app = `cairn-trim-${process.pid}-${Date.now().toString(36)}`;
    const url = `${PG_URL}${PG_URL.includes('?') ? '&' : '?'}application_name=${app}`;
    const [trimA, trimB] = [createPgStore({ connectionString: url, schema, poolSize: 2 }), createPgStore({ connectionString: url, schema, poolSize: 2 })];
    const t = 't-trim-race';
    try {
      await nodeA.commitBatch(Array.from({ length: 40 }, (_, seq) => push(t, DOC, 'writer', seq)));
      const base = (version: number) => ({ version, state: new Uint8Array([0, 0]), owners: new Map<number, string>() });
      // Node B's trim to 30 deletes its rows, then waits on the doc row we hold; node A's trim to 20 then
      // starts: without turns it would read the old floor, find the rows gone, and write floor 20 after B.
      const [newer, older] = await withPgClient(async (holder) => {
        await holder.query('BEGIN');
        await holder.query(`SELECT 1 FROM "${schema}".cairn_docs WHERE tenant = $1 AND doc = $2 FOR UPDATE`, [t, DOC]);
        const b = trimB.trimHistory(t, DOC, base(30));
        await until(async () => (await waiting(app)) >= 1, 'node B waiting for the doc row');
        const a = trimA.trimHistory(t, DOC, base(20));
        await until(async () => (await waiting(app)) >= 2, 'node A waiting too');
        await holder.query('COMMIT');
        return Promise.all([b, a]);
      });
      expect(newer).toMatchObject({ rows: 30, floor: 30 });
      expect(older).toMatchObject({ rows: 0, floor: 30 });
      expect((await nodeA.loadHistoryFloor(t, DOC))!.version).toBe(30);
      await expect(nodeA.loadUpdates(t, DOC, 20)).rejects.toMatchObject({ code: 'HISTORY_TRIMMED' });
      expect((await nodeB.commitBatch(Array.from({ length: 40 }, (_, seq) => push(t, DOC, 'writer', seq)))).every((o) => o.kind === 'duplicate')).toBe(true);
    } finally {
      await Promise.all([trimA.close(), trimB.close()]);
    }
  });

  it('L1, C1: two nodes running compaction passes at once over the same docs trim each row once, with no failures', async () => {
    const t = 't-trim-passes';
    const docs = Array.from({ length: 6 }, (_, i) => `space/p${i}`);
    const pushes = docs.flatMap((doc, d) => Array.from({ length: 8 }, (_, i) => ({ ...push(t, doc, 'writer', d * 8 + i, mapUpdate(`k${i}`, i)) })));
    await nodeA.commitBatch(pushes);
    // Six of each doc's eight rows were committed 40 days ago.
    await withPgClient((c) => c.query(`UPDATE "${schema}".cairn_updates SET committed_at = now() - interval '40 days' WHERE tenant = $1 AND version <= 6`, [t]));
    const pass = (store: Store) => createCompaction({ store, days: 30, audit: () => {} }).run({ tenant: t });
    const [a, b] = await Promise.all([pass(nodeA), pass(nodeB)]);
    expect([a.failed, b.failed]).toEqual([0, 0]);
    expect(a.rows + b.rows).toBe(docs.length * 6);
    expect(a.docs + b.docs).toBe(docs.length);
    for (const doc of docs) {
      expect((await nodeB.loadHistoryFloor(t, doc))!.version).toBe(6);
      expect((await nodeA.loadUpdates(t, doc, 6)).map((r) => r.version)).toEqual([7, 8]);
    }
    expect((await nodeB.commitBatch(pushes)).filter((o) => o.kind !== 'duplicate')).toEqual([]);
  });

  it('C1: two nodes trimming two docs of one replica at once both keep their seqs (ranges are not lost to a race)', async () => {
    const t = 't-trim-ranges';
    // The replica alternates docs x and y: each doc's trim merges its seqs into the same replica's ranges.
    await nodeA.commitBatch(Array.from({ length: 60 }, (_, seq) => push(t, seq % 2 === 0 ? 'space/x' : 'space/y', 'writer', seq)));
    const base = { version: 30, state: new Uint8Array([0, 0]), owners: new Map<number, string>() };
    await Promise.all([nodeA.trimHistory(t, 'space/x', base), nodeB.trimHistory(t, 'space/y', base)]);
    const again = await nodeB.commitBatch(Array.from({ length: 60 }, (_, seq) => push(t, seq % 2 === 0 ? 'space/x' : 'space/y', 'writer', seq)));
    expect(again.filter((o) => o.kind !== 'duplicate')).toEqual([]);
  });
});
