/**
 * C4: the operator lists and drops quarantined rows with the compiled CLI (`npm run quarantine`), on the
 * real Postgres the server uses (DATABASE_URL, CAIRN_PG_SCHEMA).
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { createPgStore } from '../../packages/server/src/store/pg-store.js';
import { dropSchema, PG_URL, uniqueSchema } from '../contract/store-pg-schema.js';
import { push } from '../contract/store-fixtures.js';

const run = promisify(execFile);
const CLI = fileURLToPath(new URL('../../packages/server/dist/admin/quarantine-cli.js', import.meta.url));
const schema = uniqueSchema('qcli');
const env = { ...process.env, DATABASE_URL: PG_URL, CAIRN_PG_SCHEMA: schema };

async function cli(...args: string[]): Promise<{ code: number; out: string }> {
  try {
    const { stdout } = await run(process.execPath, [CLI, ...args], { env });
    return { code: 0, out: stdout };
  } catch (err) {
    const e = err as { code: number; stdout: string };
    return { code: e.code, out: e.stdout };
  }
}

describe('quarantine CLI', () => {
  it('C4: list shows a quarantined row; drop empties it and list shows it dropped', async () => {
    const store = createPgStore({ connectionString: PG_URL, schema });
    try {
      await store.migrate();
      await store.commitBatch([push('t1', 'a/doc', 'c', 0), push('t1', 'a/doc', 'c', 1)]);
      await store.quarantine('t1', 'a/doc', 2, 'Unexpected case');
    } finally {
      await store.close();
    }
    const listed = await cli('list', 't1');
    expect(listed.code).toBe(0);
    expect(listed.out).toMatch(/t1\ta\/doc\t2\t\d+ B\t\S+\tquarantined\tUnexpected case/);
    expect(await cli('drop', 't1', 'a/doc', '2')).toMatchObject({ code: 0 });
    expect((await cli('drop', 't1', 'a/doc', '2')).code).toBe(1);
    expect((await cli('list', 't1', 'a/doc')).out).toMatch(/\tdropped \S+\tUnexpected case/);
    expect((await cli('bogus')).code).toBe(2);
    const after = createPgStore({ connectionString: PG_URL, schema });
    try {
      expect((await after.loadUpdates('t1', 'a/doc', 1)).map((r) => [...r.update])).toEqual([[0, 0]]);
      // L4: the one drop that changed the log left one audit row; the refused second drop none.
      const audit = (await after.queryAudit({ tenant: 't1', action: 'quarantine.drop', limit: 10 })).rows;
      expect(audit).toMatchObject([{ tenant: 't1', node: 'cli', space: 'a', doc: 'a/doc', outcome: 'ok', detail: { version: 2 } }]);
    } finally {
      await after.close();
    }
  });
});

afterAll(async () => {
  await dropSchema(schema);
});
