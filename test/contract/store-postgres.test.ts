import { afterAll, describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../../packages/server/src/store/migrations/list.js';
import { createPgStore } from '../../packages/server/src/store/pg-store.js';
import { describeStoreContract } from './store.contract.js';
import { describeQuarantineContract } from './store-quarantine.contract.js';
import { dropSchema, PG_URL, uniqueSchema, withPgClient } from './store-pg-schema.js';

const schema = uniqueSchema('store');

describeStoreContract('postgres', async () => createPgStore({ connectionString: PG_URL, schema, poolSize: 8 }));
describeQuarantineContract('postgres', async () => createPgStore({ connectionString: PG_URL, schema, poolSize: 4 }));

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
    expect(tables).toEqual(['cairn_anchor_entries', 'cairn_anchors', 'cairn_docs', 'cairn_migrations', 'cairn_quarantine', 'cairn_readmodel_progress', 'cairn_snapshots', 'cairn_spaces', 'cairn_updates']);
  });
});

afterAll(async () => {
  await dropSchema(schema);
});
