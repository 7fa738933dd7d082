import { afterAll, describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../../packages/server/src/store/migrations/list.js';
import { createPgStore } from '../../packages/server/src/store/pg-store.js';
import { describeStoreContract } from './store.contract.js';
import { describeQuarantineContract } from './store-quarantine.contract.js';
import { describeHistoryContract } from './store-history.contract.js';
import { describeAuditContract } from './store-audit.contract.js';
import { describeDeletionsContract } from './store-deletions.contract.js';
import { describeCompactionContract } from './store-compaction.contract.js';
import { describeRestoreContract } from './store-restore.contract.js';
import { dropSchema, PG_URL, uniqueSchema, withPgClient } from './store-pg-schema.js';
import { push } from './store-fixtures.js';

const schema = uniqueSchema('store');

describeStoreContract('postgres', async () => createPgStore({ connectionString: PG_URL, schema, poolSize: 8 }));
describeQuarantineContract('postgres', async () => createPgStore({ connectionString: PG_URL, schema, poolSize: 4 }));
describeHistoryContract('postgres', async () => createPgStore({ connectionString: PG_URL, schema, poolSize: 4 }));
describeAuditContract('postgres', async () => createPgStore({ connectionString: PG_URL, schema, poolSize: 4 }));
describeDeletionsContract('postgres', async () => createPgStore({ connectionString: PG_URL, schema, poolSize: 4 }));
describeCompactionContract('postgres', async () => createPgStore({ connectionString: PG_URL, schema, poolSize: 4 }));
describeRestoreContract('postgres', async () => createPgStore({ connectionString: PG_URL, schema, poolSize: 4 }));

describe('Store postgres: migrations', () => {
  it('records each migration once in cairn_migrations, in its own schema, however often migrate() runs', async () => {
    const store = createPgStore({ connectionString: PG_URL, schema });
    try {
      await store.migrate();
      await store.migrate();
    } finally {
      await store.close();
    }
    const tables = await withPgClient(async (client) => {
      const applied = await client.query(`SELECT id, name FROM "${schema}".cairn_migrations ORDER BY id`);
      expect(applied.rows).toEqual(MIGRATIONS.map((m) => ({ id: m.id, name: m.name })));
      const found = await client.query<{ table_name: string }>(
        `SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name`, [schema]);
      return found.rows.map((r) => r.table_name);
    });
    expect(tables).toEqual(['cairn_anchor_entries', 'cairn_anchors', 'cairn_audit', 'cairn_client_owners', 'cairn_deletions', 'cairn_docs', 'cairn_epoch', 'cairn_history_floors', 'cairn_migrations', 'cairn_quarantine', 'cairn_readmodel_progress', 'cairn_snapshots', 'cairn_spaces', 'cairn_trimmed_seqs', 'cairn_updates']);
  });
});

describe('Store postgres: client owners migration', () => {
  it('C5: migration 3 binds each clientId already in the log to the actor of its lowest seq, /y ids left out', async () => {
    const fresh = uniqueSchema('owners');
    const store = createPgStore({ connectionString: PG_URL, schema: fresh });
    try {
      await store.migrate();
      await store.commitBatch([
        { ...push('t', 'space/doc', 'replica-1', 2), actor: 'squatter' },
        { ...push('t', 'space/doc', 'replica-1', 1), actor: 'owner' },
        { ...push('t', 'space/doc', 'replica-2', 5), actor: 'other' },
        { ...push('t', 'space/doc', 'yws-0123456789abcdef', 0), actor: 'y-user' },
      ]);
      // Back to the schema as it was before migration 3, with the log already holding those rows.
      await withPgClient(async (client) => {
        await client.query(`DROP TABLE "${fresh}".cairn_client_owners`);
        await client.query(`DELETE FROM "${fresh}".cairn_migrations WHERE id = 3`);
      });
      await store.migrate();
      const { rows } = await withPgClient((client) =>
        client.query(`SELECT client_id, subject FROM "${fresh}".cairn_client_owners ORDER BY client_id`));
      expect(rows).toEqual([{ client_id: 'replica-1', subject: 'owner' }, { client_id: 'replica-2', subject: 'other' }]);
      expect(await store.claimClient('t', 'replica-1', 'squatter')).toBe('owner');
    } finally {
      await store.close();
      await dropSchema(fresh);
    }
  });
});

describe('Store postgres: row security and usage migration', () => {
  it('S5: migration 7 counts the bytes of every row already in the log into cairn_docs.bytes', async () => {
    const fresh = uniqueSchema('usage');
    // The schema as the release before migration 7 left it, with a log already in it.
    await withPgClient(async (client) => {
      await client.query(`CREATE SCHEMA "${fresh}"`);
      await client.query(`SET search_path = "${fresh}"`);
      await client.query('CREATE TABLE cairn_migrations (id integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())');
      for (const m of MIGRATIONS.filter((x) => x.id < 7)) {
        for (const statement of m.statements) await client.query(statement);
        await client.query('INSERT INTO cairn_migrations (id, name) VALUES ($1, $2)', [m.id, m.name]);
      }
      await client.query(`INSERT INTO cairn_docs (tenant, doc, head_version) VALUES ('t', 's/a', 2), ('t', 's/b', 1), ('u', 's/a', 1)`);
      await client.query(`INSERT INTO cairn_updates (tenant, doc, version, client_id, seq, actor, bytes) VALUES
        ('t', 's/a', 1, 'c', 0, 'a', '\\x0102'), ('t', 's/a', 2, 'c', 1, 'a', '\\x030405'), ('t', 's/b', 1, 'c', 2, 'a', '\\x06'), ('u', 's/a', 1, 'c', 0, 'a', '\\x07')`);
    });
    const store = createPgStore({ connectionString: PG_URL, schema: fresh });
    try {
      await store.migrate();
      expect(await store.tenantUsage('t')).toEqual({ docs: 2, bytes: 6 });
      expect(await store.tenantUsage('u')).toEqual({ docs: 1, bytes: 1 });
      await store.commitBatch([push('t', 's/b', 'c', 3, new Uint8Array(10))]);
      expect(await store.tenantUsage('t')).toEqual({ docs: 2, bytes: 16 });
    } finally {
      await store.close();
      await dropSchema(fresh);
    }
  });
});

afterAll(async () => {
  await dropSchema(schema);
});
