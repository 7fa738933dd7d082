/**
 * L1 at its edges, on the memory Store: what `at` means (history-target.ts) and a log trimmed below its
 * snapshot, which must refuse the versions it no longer holds instead of replaying what is left.
 */
import * as Y from 'yjs';
import { describe, expect, it } from 'vitest';
import { createMemoryStore } from '../../packages/server/src/store/memory-store.js';
import type { Store } from '../../packages/server/src/store/store.js';
import { readDocAt } from '../../packages/server/src/history/doc-at.js';
import { parseHistoryTarget } from '../../packages/server/src/history/history-target.js';

describe('L1: at = a version or an ISO time with a zone', () => {
  it('digits are a version, ISO times with Z or an offset are times; anything else is BAD_REQUEST', () => {
    expect(parseHistoryTarget('0', true)).toEqual({ version: 0 });
    expect(parseHistoryTarget('42', true)).toEqual({ version: 42 });
    expect(parseHistoryTarget('2026-12-07T10:00:00Z', true)).toEqual({ at: new Date('2026-12-07T10:00:00Z') });
    expect(parseHistoryTarget('2026-12-07T11:00:00.250+01:00', false)).toEqual({ at: new Date('2026-12-07T10:00:00.250Z') });
    for (const bad of ['', '-1', '1e3', '0x10', ' 5', '2026-12-07', '2026-12-07T10:00:00', 'yesterday', '2026-13-45T99:00:00Z']) {
      expect(() => parseHistoryTarget(bad, true), bad).toThrow(expect.objectContaining({ code: 'BAD_REQUEST' }));
    }
    expect(() => parseHistoryTarget('3', false)).toThrow(expect.objectContaining({ code: 'BAD_REQUEST' }));
  });
});

describe('L1: a log trimmed below its snapshot', () => {
  it('refuses versions older than its first kept row with BAD_REQUEST, and still reads the ones it holds', async () => {
    const inner = createMemoryStore();
    const d = new Y.Doc();
    const updates: Uint8Array[] = [];
    d.on('update', (u: Uint8Array) => updates.push(u));
    for (let i = 0; i < 8; i++) d.getArray<number>('a').push([i]);
    await inner.commitBatch(updates.map((update, seq) => ({ tenant: 't', doc: 's/d', clientId: 'writer-01', seq, actor: 'x', update })));
    const at5 = new Y.Doc();
    updates.slice(0, 5).forEach((u) => Y.applyUpdate(at5, u));
    await inner.saveSnapshot('t', 's/d', { version: 5, state: Y.encodeStateAsUpdate(at5) });
    // Rows up to the snapshot trimmed, as a retention pass would.
    const trimmed: Store = { ...inner, loadUpdates: async (t, doc, after, upTo) => (await inner.loadUpdates(t, doc, after, upTo)).filter((r) => r.version > 5) };
    await expect(readDocAt(trimmed, 't', 's/d', { version: 3 })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    const read = await readDocAt(trimmed, 't', 's/d', { version: 7 });
    expect(read.ydoc.getArray('a').toJSON()).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(read.replayedFrom).toBe(5);
  });
});
