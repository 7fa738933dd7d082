import * as Y from 'yjs';
import { afterEach, describe, expect, it } from 'vitest';
import { openDexieStore } from '../../packages/client/src/replica/dexie-store.js';
import { createMemoryStore } from '../../packages/client/src/replica/memory-store.js';
import type { ReplicaStore } from '../../packages/client/src/replica/replica-store.js';
import { freshIndexedDB } from './support/client-harness.js';

const DOC = 'space-a/notes';
const THRESHOLD = 4;
const stores: ReplicaStore[] = [];
afterEach(async () => {
  await Promise.all(stores.splice(0).map((s) => s.close()));
});

/** Successive updates of one doc, as a user's edits would produce them. */
function edits(n: number): Uint8Array[] {
  const doc = new Y.Doc();
  const out: Uint8Array[] = [];
  doc.on('update', (u: Uint8Array) => out.push(u));
  for (let i = 0; i < n; i++) doc.getMap('m').set(`k${i}`, i);
  return out;
}

function stateOf(rows: Uint8Array[]) {
  const doc = new Y.Doc();
  for (const r of rows) Y.applyUpdate(doc, r);
  return doc.getMap('m').toJSON();
}

describe('a doc\'s update rows are compacted into its snapshot past a threshold', () => {
  it('②: past the threshold the rows merge into one snapshot; the state and the outbox are unchanged', async () => {
    const store = await openDexieStore({ ...freshIndexedDB(), compactThreshold: THRESHOLD, onFailure: () => undefined });
    stores.push(store);
    const updates = edits(11);
    for (const u of updates.slice(0, 10)) await store.writeLocal([{ doc: DOC, update: u }], 0);
    await store.writeRemote(DOC, updates[10]!, 3);
    await store.compacted();

    const rowCount = await store.db.table('updates').where('doc').equals(DOC).count();
    expect(rowCount).toBeLessThanOrEqual(THRESHOLD);
    expect(await store.db.table('docs').get(DOC)).toBeDefined();
    const rows = await store.loadDoc(DOC);
    expect(rows.length).toBeLessThanOrEqual(THRESHOLD + 1);
    expect(stateOf(rows)).toEqual(stateOf(updates));
    expect(await store.outboxSize()).toBe(10);
    expect(await store.docVersion(DOC)).toBe(3);
  });

  it('②: below the threshold nothing is merged', async () => {
    const store = await openDexieStore({ ...freshIndexedDB(), compactThreshold: THRESHOLD, onFailure: () => undefined });
    stores.push(store);
    for (const u of edits(THRESHOLD)) await store.writeLocal([{ doc: DOC, update: u }], 0);
    await store.compacted();
    expect(await store.db.table('docs').get(DOC)).toBeUndefined();
    expect(await store.loadDoc(DOC)).toHaveLength(THRESHOLD);
  });

  it('②: the memory replica compacts the same way', async () => {
    const store = createMemoryStore({ clientId: 'memory-client', compactThreshold: THRESHOLD });
    const updates = edits(10);
    for (const u of updates) await store.writeLocal([{ doc: DOC, update: u }], 0);
    const rows = await store.loadDoc(DOC);
    expect(rows.length).toBeLessThanOrEqual(THRESHOLD + 1);
    expect(stateOf(rows)).toEqual(stateOf(updates));
  });
});
