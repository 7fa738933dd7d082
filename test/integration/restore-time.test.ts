/**
 * L3, RTO: how long a restore by export and import takes for N docs on this machine's Postgres. Prints a
 * markdown table (docs/OPERATIONS.md "Recovery objectives"); asserts only that everything came back, never
 * a time. RESTORE_DOCS and RESTORE_ROWS (rows per doc) size it; the defaults keep it a few seconds.
 */
import { afterAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import type { CommitRequest } from '../../packages/server/src/store/store.js';
import { createPgStore } from '../../packages/server/src/store/pg-store.js';
import { exportTo } from '../../packages/server/src/admin/export-command.js';
import { importFrom } from '../../packages/server/src/admin/import-command.js';
import { dropSchema, PG_URL, uniqueSchema } from '../contract/store-pg-schema.js';

const DOCS = Number(process.env.RESTORE_DOCS ?? 200);
const ROWS = Number(process.env.RESTORE_ROWS ?? 10);
const schemas = [uniqueSchema('rto_src'), uniqueSchema('rto_dst')];

afterAll(async () => {
  for (const s of schemas) await dropSchema(s);
});

describe('restore time', () => {
  it(`L3: export and import of ${DOCS} docs × ${ROWS} rows, timed`, async () => {
    const source = createPgStore({ connectionString: PG_URL, schema: schemas[0]!, poolSize: 2 });
    const target = createPgStore({ connectionString: PG_URL, schema: schemas[1]!, poolSize: 2 });
    try {
      await source.migrate();
      await target.migrate();
      const writers = Array.from({ length: DOCS }, () => new Y.Doc());
      let seq = 0;
      for (let r = 0; r < ROWS; r++) {
        const batch: CommitRequest[] = writers.map((w, i) => {
          const before = Y.encodeStateVector(w);
          w.getMap('m').set(`k${r}`, `value ${r} of doc ${i}`);
          return { tenant: 'acme', doc: `site/doc-${i}`, clientId: 'rto-writer', seq: seq++, actor: 'rto', update: Y.encodeStateAsUpdate(w, before) };
        });
        await source.commitBatch(batch);
      }
      let text = '';
      const t0 = performance.now();
      const exported = await exportTo(source, 'acme', null, async (t) => {
        text += t;
      });
      const t1 = performance.now();
      const lines = (async function* () {
        for (const l of text.split('\n')) yield l;
      })();
      const imported = await importFrom(target, lines, { replace: false, keepEpoch: false });
      const t2 = performance.now();
      expect(exported).toEqual({ docs: DOCS, rows: DOCS * ROWS });
      expect(imported.added).toBe(DOCS * ROWS);
      expect(await target.tenantUsage('acme')).toEqual(await source.tenantUsage('acme'));
      console.log([
        '| docs | rows | file MB | export s | import s | import rows/s |',
        '|---|---|---|---|---|---|',
        `| ${DOCS} | ${DOCS * ROWS} | ${(text.length / 1e6).toFixed(2)} | ${((t1 - t0) / 1000).toFixed(2)} | ${((t2 - t1) / 1000).toFixed(2)} | ${Math.round((DOCS * ROWS) / ((t2 - t1) / 1000))} |`,
      ].join('\n'));
    } finally {
      await source.close();
      await target.close();
    }
  }, 300_000);
});
