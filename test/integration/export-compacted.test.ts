/**
 * L3 with L1's history window: a doc compacted below its window exports as its floor (the state and Yjs
 * client owners at the floor version) plus the rows after it, and imports into a fresh database as the
 * same doc: same head, same floor, every version in the window reads the same, versions below the floor
 * are HISTORY_TRIMMED there too, and a repeated import writes nothing. Before, the export stopped on the
 * missing rows below the floor (an assertion), so no compacted deployment could be exported.
 * On the memory Store and on real Postgres.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { isCairnError } from '@cairn/shared';
import type { Store } from '../../packages/server/src/store/store.js';
import { createMemoryStore } from '../../packages/server/src/store/memory-store.js';
import { createPgStore } from '../../packages/server/src/store/pg-store.js';
import { compactDoc } from '../../packages/server/src/compact/compact-doc.js';
import { readDocAt } from '../../packages/server/src/history/doc-at.js';
import { exportTo } from '../../packages/server/src/admin/export-command.js';
import { importFrom } from '../../packages/server/src/admin/import-command.js';
import { dropSchema, PG_URL, uniqueSchema } from '../contract/store-pg-schema.js';
import { textEdits } from '../support/yjs-updates.js';

const TENANT = 'acme';
const DOC = 'site/notes';
const schemas: string[] = [];
afterAll(async () => {
  for (const s of schemas) await dropSchema(s);
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** 10 text edits, 5 then 5, with `cutoff` a time strictly between the two halves. */
async function writeHistory(store: Store): Promise<Date> {
  const updates = textEdits(Array.from({ length: 10 }, (_, i) => `${i}`));
  const commit = (from: number, to: number) =>
    store.commitBatch(updates.slice(from, to).map((update, k) => ({ tenant: TENANT, doc: DOC, clientId: 'writer-0001', seq: from + k, actor: 'alice', update })));
  await commit(0, 5);
  await sleep(30);
  const cutoff = new Date();
  await sleep(30);
  await commit(5, 10);
  return cutoff;
}

async function text(store: Store, version: number): Promise<string> {
  const r = await readDocAt(store, TENANT, DOC, { version });
  try {
    return r.ydoc.getText('t').toString();
  } finally {
    r.ydoc.destroy();
  }
}

async function exportLines(store: Store): Promise<string[]> {
  const out: string[] = [];
  await exportTo(store, TENANT, null, async (t) => {
    out.push(...t.split('\n').filter(Boolean));
  });
  return out;
}

async function* iterate(lines: readonly string[]): AsyncIterable<string> {
  yield* lines;
}

const stores: [string, () => Store][] = [
  ['memory', () => createMemoryStore()],
  ['postgres', () => {
    const schema = uniqueSchema('it_export_compacted');
    schemas.push(schema);
    return createPgStore({ connectionString: PG_URL, schema, poolSize: 2 });
  }],
];

describe.each(stores)('export of a compacted doc (%s)', (_name, make) => {
  it('L3, L1: the floor travels with the export; the imported doc reads the same in its window and refuses below it', async () => {
    const source = make();
    const target = make();
    await source.migrate();
    await target.migrate();
    try {
      const cutoff = await writeHistory(source);
      const trim = await compactDoc(source, TENANT, DOC, cutoff);
      expect(trim?.floor).toBe(5);

      const lines = await exportLines(source);
      expect(lines.filter((l) => l.includes('"floor"'))).toHaveLength(1);
      expect(lines.filter((l) => l.includes('"clientId"'))).toHaveLength(5); // rows 6…10 only

      const first = await importFrom(target, iterate(lines), { replace: false, keepEpoch: false });
      expect(first.added).toBeGreaterThan(0);
      expect(await target.headVersion(TENANT, DOC)).toBe(10);
      expect((await target.loadHistoryFloor(TENANT, DOC))?.version).toBe(5);
      for (let v = 5; v <= 10; v++) expect(await text(target, v), `version ${v}`).toBe(await text(source, v));
      expect(await text(target, 10)).toBe('0123456789');
      const below = await text(target, 4).catch((err: unknown) => err);
      expect(isCairnError(below) && below.code).toBe('HISTORY_TRIMMED');

      // A repeat writes nothing; an export of the imported doc is the same file but its header.
      expect((await importFrom(target, iterate(lines), { replace: false, keepEpoch: false })).added).toBe(0);
      expect((await exportLines(target)).slice(1, -1)).toEqual(lines.slice(1, -1));
    } finally {
      await source.close();
      await target.close();
    }
  });
});
