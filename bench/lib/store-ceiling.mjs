// What bounds durable writes before any server code runs: Cairn's own Postgres Store (the build in
// packages/server/dist) committing batches of pose-sized updates straight from this process, one batch
// at a time as the group commit does. Uses a schema of its own, dropped afterwards.
import { fileURLToPath } from 'node:url';

export async function storeCeiling(url, schema, batches) {
  const { createPgStore } = await import(fileURLToPath(new URL('../../packages/server/dist/store/pg-store.js', import.meta.url)));
  const store = createPgStore({ connectionString: url, schema });
  const update = new Uint8Array(55).fill(7);
  const out = [];
  let seq = 0;
  try {
    await store.migrate();
    for (const batch of batches) {
      const times = [];
      for (let k = 0; k < 10; k++) {
        const requests = [];
        for (let i = 0; i < batch; i++) requests.push({ tenant: 'default', doc: `bench/d${i % 40}`, clientId: `ceiling-${i % 40}`, seq: ++seq, actor: 'anonymous', update });
        const t = performance.now();
        await store.commitBatch(requests);
        times.push(performance.now() - t);
      }
      times.sort((a, b) => a - b);
      const ms = times[Math.floor(times.length / 2)];
      out.push({ batch, ms, rowsPerSec: (batch / ms) * 1000 });
    }
  } finally {
    await store.close();
    const { default: pg } = await import('pg');
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await c.end();
  }
  return out;
}
