/**
 * L3: `cairn-server export` and `import` round-trip on real Postgres and on PGlite. A tenant with a text
 * doc, a space meta and anchor cell docs (written with the shared anchor layout, as the client writes them)
 * is exported and imported into a fresh database: every doc's state, version and changes listing, the
 * anchor read model and the clientId owners are equal; a repeated import writes nothing (C1); a file that
 * differs at a stored version is IMPORT_CONFLICT and is taken only with --replace.
 */
import { afterAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { cellDocId, isCairnError, metaDocId } from '@cairn/shared';
import type { Store } from '../../packages/server/src/store/store.js';
import { createPgStore } from '../../packages/server/src/store/pg-store.js';
import { createPgliteStore } from '../../packages/server/src/store/pglite-store.js';
import { createReadModelUpdater } from '../../packages/server/src/readmodel/updater.js';
import { exportTo } from '../../packages/server/src/admin/export-command.js';
import { importFrom } from '../../packages/server/src/admin/import-command.js';
import { anchorReplica, readModelView } from '../support/readmodel-writer.js';
import { dropSchema, PG_URL, uniqueSchema } from '../contract/store-pg-schema.js';

const TENANT = 'acme';
const SPACE = 'site';
const schemas: string[] = [];

afterAll(async () => {
  for (const s of schemas) await dropSchema(s);
});

async function* linesOf(text: string): AsyncIterable<string> {
  for (const line of text.split('\n')) yield line;
}

async function exportText(store: Store, space: string | null = null): Promise<string> {
  let text = '';
  await exportTo(store, TENANT, space, async (t) => {
    text += t;
  });
  return text;
}

/** Writes the tenant's docs through commitBatch, as the commit path would, and brings the read model up. */
async function seed(store: Store): Promise<void> {
  const alice = anchorReplica('alice');
  const bob = anchorReplica('bob');
  let seq = 0;
  const commit = async (clientId: string, actor: string, ups: { doc: string; update: Uint8Array }[]) => {
    for (const u of ups) {
      await store.commitBatch([{ tenant: TENANT, doc: u.doc, clientId, seq: seq++, actor, update: u.update }]);
      alice.receive(u);
      bob.receive(u);
    }
  };
  await commit('client-alice-1', 'alice', alice.meta(SPACE, { origin: { lat: 48.85, lon: 2.35, alt: 35 }, precision: 7 }));
  await commit('client-alice-1', 'alice', alice.create(SPACE, 'u09tvw0', 'a-1', [1, 0, -2], { props: { label: 'door' } }));
  await commit('client-bob-1', 'bob', bob.create(SPACE, 'u09tvw0', 'b-1', [3, 1, 0]));
  await commit('client-bob-1', 'bob', bob.move(SPACE, 'a-1', 'u09tvw0', [5, 0, -9], 'u09tvw1'));
  await commit('client-alice-1', 'alice', alice.props(SPACE, 'u09tvw1', 'a-1', { label: 'main door' }));
  await commit('client-bob-1', 'bob', bob.remove(SPACE, 'u09tvw0', 'b-1'));
  const notes = new Y.Doc();
  for (let i = 0; i < 5; i++) {
    const before = Y.encodeStateVector(notes);
    notes.getText('t').insert(0, `line ${i}\n`);
    await commit('client-alice-2', 'alice', [{ doc: `${SPACE}/notes`, update: Y.encodeStateAsUpdate(notes, before) }]);
  }
  await commit('client-carol-1', 'carol', [{ doc: 'other/notes', update: Y.encodeStateAsUpdate(notes) }]);
  const rm = createReadModelUpdater({ store });
  for (const doc of await store.listTenantDocs(TENANT)) await rm.catchUp(TENANT, doc);
  await rm.close();
}

async function stateOf(store: Store, doc: string): Promise<Uint8Array> {
  const d = new Y.Doc();
  for (const r of await store.loadUpdates(TENANT, doc, 0)) Y.applyUpdate(d, r.update);
  return Y.encodeStateAsUpdate(d);
}

async function expectSameTenant(a: Store, b: Store): Promise<void> {
  const docs = await a.listTenantDocs(TENANT);
  expect(docs).toEqual(['other/notes', `${SPACE}/cell/u09tvw0`, `${SPACE}/cell/u09tvw1`, `${SPACE}/meta`, `${SPACE}/notes`]);
  expect(await b.listTenantDocs(TENANT)).toEqual(docs);
  for (const doc of docs) {
    expect(await b.headVersion(TENANT, doc), doc).toBe(await a.headVersion(TENANT, doc));
    expect(await b.listChanges(TENANT, doc, 0, 1000), doc).toEqual(await a.listChanges(TENANT, doc, 0, 1000));
    expect(Buffer.from(await stateOf(b, doc)).equals(Buffer.from(await stateOf(a, doc))), `${doc} state`).toBe(true);
  }
  const view = await readModelView(a, TENANT, SPACE, Date.now());
  expect(view.map((r) => r.anchor.id)).toEqual(['a-1']);
  expect(await readModelView(b, TENANT, SPACE, Date.now())).toEqual(view);
  expect(await b.anchors.appliedVersion(TENANT, cellDocId(SPACE, 'u09tvw1'))).toBe(await a.headVersion(TENANT, cellDocId(SPACE, 'u09tvw1')));
  expect(await b.tenantUsage(TENANT)).toEqual(await a.tenantUsage(TENANT));
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    return isCairnError(err) ? err.code : String(err);
  }
  return 'resolved';
}

const kinds: [string, () => Promise<Store>][] = [
  ['postgres', async () => {
    const schema = uniqueSchema('export');
    schemas.push(schema);
    return createPgStore({ connectionString: PG_URL, schema, poolSize: 2 });
  }],
  ['pglite', () => createPgliteStore({ dataDir: 'memory://' })],
];

describe.each(kinds)('export and import on %s', (_, makeStore) => {
  /** A seeded source and an empty target, both migrated, and the source's export; both closed after `fn`. */
  async function withSeededPair(fn: (source: Store, target: Store, text: string) => Promise<void>): Promise<void> {
    const source = await makeStore();
    const target = await makeStore();
    try {
      await source.migrate();
      await target.migrate();
      await seed(source);
      await fn(source, target, await exportText(source));
    } finally {
      await source.close();
      await target.close();
    }
  }

  it('L3, C1, C2, C5: a tenant exported and imported into a fresh database is equal doc by doc, read model included; a repeat writes nothing', async () => {
    await withSeededPair(async (source, target, text) => {
      expect(text.split('\n')[0]).toContain('"format":"cairn-export"');
      const epochBefore = await target.epoch();
      const summary = await importFrom(target, linesOf(text), { replace: false, keepEpoch: false });
      expect(summary).toMatchObject({ tenant: TENANT, docs: 5, added: summary.rows, replaced: [] });
      expect(summary.epoch).not.toBe(epochBefore);
      expect(await target.epoch()).toBe(summary.epoch);
      await expectSameTenant(source, target);
      // C5: owners come back with the log; another principal's hello with Alice's id is still refused.
      expect(await target.claimClient(TENANT, 'client-alice-1', 'mallory')).toBe('alice');
      // C1: the same file again changes nothing, not even the epoch.
      const again = await importFrom(target, linesOf(text), { replace: false, keepEpoch: false });
      expect(again).toMatchObject({ added: 0, replaced: [], epoch: null });
      await expectSameTenant(source, target);
      // A space alone exports only its docs.
      const space = await exportText(source, 'other');
      expect(space.trim().split('\n').map((l) => JSON.parse(l) as { doc?: string }).filter((l) => l.doc).map((l) => l.doc)).toEqual(['other/notes', 'other/notes']);
    });
  }, 120_000);

  it('L3: an export that differs at a stored version is IMPORT_CONFLICT and writes nothing; --replace takes it, read model included', async () => {
    const source = await makeStore();
    try {
      await source.migrate();
      await seed(source);
      const text = await exportText(source);
      // The same tenant in another history: Bob's create of b-1 became a create of b-2 at the same version.
      const bob = anchorReplica('bob-again');
      const [other] = bob.create(SPACE, 'u09tvw0', 'b-2', [7, 0, 7]);
      const lines = text.split('\n').map((l) => {
        if (!l.includes('"seq":2,') || !l.includes('client-bob-1')) return l;
        const row = JSON.parse(l) as Record<string, unknown>;
        return JSON.stringify({ ...row, update: Buffer.from(other!.update).toString('base64') });
      });
      const changed = lines.join('\n');
      expect(changed).not.toBe(text);
      const head = await source.headVersion(TENANT, cellDocId(SPACE, 'u09tvw0'));
      const epoch = await source.epoch();
      expect(await codeOf(importFrom(source, linesOf(changed), { replace: false, keepEpoch: false }))).toBe('IMPORT_CONFLICT');
      expect(await source.headVersion(TENANT, cellDocId(SPACE, 'u09tvw0'))).toBe(head);
      expect(await source.epoch()).toBe(epoch);
      const replaced = await importFrom(source, linesOf(changed), { replace: true, keepEpoch: false });
      expect(replaced.replaced).toEqual([cellDocId(SPACE, 'u09tvw0')]);
      expect(replaced.epoch).not.toBe(epoch);
      expect(await exportText(source)).toContain(Buffer.from(other!.update).toString('base64'));
      // The read model was recomputed from the replaced log: b-2 is there (b-1's later delete no longer finds it).
      const ids = (await readModelView(source, TENANT, SPACE, Date.now())).map((r) => r.anchor.id);
      expect(ids).toContain('b-2');
      expect(metaDocId(SPACE)).toBe(`${SPACE}/meta`);
    } finally {
      await source.close();
    }
  }, 120_000);

  it('L3: a file cut off before its end line, or not an export, is BAD_REQUEST', async () => {
    await withSeededPair(async (source, target, text) => {
      const cut = text.split('\n').slice(0, -3).join('\n');
      expect(await codeOf(importFrom(target, linesOf(cut), { replace: false, keepEpoch: false }))).toBe('BAD_REQUEST');
      expect(await codeOf(importFrom(target, linesOf('{"format":"tar"}\n'), { replace: false, keepEpoch: false }))).toBe('BAD_REQUEST');
      // The rows before the cut are in; the complete file finishes the import.
      const done = await importFrom(target, linesOf(text), { replace: false, keepEpoch: false });
      expect(done.added).toBeLessThan(done.rows);
      await expectSameTenant(source, target);
    });
  }, 120_000);
});
