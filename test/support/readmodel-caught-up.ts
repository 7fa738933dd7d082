/**
 * Integration tests against a real server process: the read model follows commits asynchronously, so a test
 * waits until every cell and meta doc of the schema is reflected at its head version before it queries.
 */
import pg from 'pg';
import { PG_URL } from './server-process.js';

export async function readModelCaughtUp(schema: string, timeoutMs = 15_000): Promise<void> {
  const db = new pg.Client({ connectionString: PG_URL });
  await db.connect();
  try {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const { rows } = await db.query(
        `SELECT d.doc FROM "${schema}".cairn_docs d
           LEFT JOIN "${schema}".cairn_readmodel_progress p ON p.tenant = d.tenant AND p.doc = d.doc
          WHERE (d.doc LIKE '%/cell/%' OR d.doc LIKE '%/meta') AND d.head_version > coalesce(p.applied_version, 0)`,
      );
      if (rows.length === 0) return;
      if (Date.now() > deadline) throw new Error(`read model still behind on ${rows.map((r: { doc: string }) => r.doc).join(', ')}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  } finally {
    await db.end();
  }
}
