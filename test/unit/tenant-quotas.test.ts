/**
 * commit/tenant-quotas.ts on the memory Store: usage is read once per refresh interval (no query per
 * push), pushes in flight reserve what they would add, and only committed pushes count.
 */
import { describe, expect, it } from 'vitest';
import { createMemoryStore } from '../../packages/server/src/store/memory-store.js';
import { createTenantQuotas, type QuotaTicket } from '../../packages/server/src/commit/tenant-quotas.js';
import type { Store } from '../../packages/server/src/store/store.js';

function countingStore(store: Store): { store: Store; reads: () => number } {
  let reads = 0;
  return {
    store: { ...store, tenantUsage: (t) => (reads++, store.tenantUsage(t)) },
    reads: () => reads,
  };
}

const committed = (version: number) => ({ kind: 'committed' as const, version });

describe('tenant quotas', () => {
  it('reads a tenant\'s usage once per refresh interval, not per push, and adds what this node commits', async () => {
    const memory = createMemoryStore();
    await memory.commitBatch([{ tenant: 't', doc: 's/a', clientId: 'c', seq: 0, actor: 'a', update: new Uint8Array(60) }]);
    const { store, reads } = countingStore(memory);
    let clock = 0;
    const quotas = createTenantQuotas({ store, limits: { bytes: 100 }, refreshMs: 1_000, now: () => clock });
    const first = await quotas.admit('t', 's/a', 20, false);
    first.settle(committed(2));
    const second = quotas.admit('t', 's/a', 20, false);
    expect(second).not.toBeInstanceOf(Promise);
    (second as QuotaTicket).settle(committed(3));
    expect(reads()).toBe(1);
    // 60 stored + 40 committed here: one more byte is over.
    expect(() => quotas.admit('t', 's/a', 1, false)).toThrow(expect.objectContaining({ code: 'BYTE_QUOTA_EXCEEDED' }));
    clock = 1_000;
    await expect(quotas.admit('t', 's/a', 1, false)).resolves.toBeDefined(); // re-read: the store holds 60 (this test never stored the 40)
    expect(reads()).toBe(2);
  });

  it('pushes in flight reserve their bytes and their new doc; a push that did not commit gives them back', async () => {
    const quotas = createTenantQuotas({ store: createMemoryStore(), limits: { bytes: 100, docs: 1 }, refreshMs: 60_000 });
    const a = await quotas.admit('t', 's/a', 60, true);
    // A second push to the same new doc does not count it twice; a push that creates another is over.
    const sameDoc = quotas.admit('t', 's/a', 30, true) as QuotaTicket;
    expect(() => quotas.admit('t', 's/b', 1, true)).toThrow(expect.objectContaining({ code: 'DOC_QUOTA_EXCEEDED' }));
    expect(() => quotas.admit('t', 's/a', 11, false)).toThrow(expect.objectContaining({ code: 'BYTE_QUOTA_EXCEEDED' }));
    a.settle(null);
    sameDoc.settle(null);
    // Nothing committed: the doc and the bytes are free again.
    (quotas.admit('t', 's/b', 100, true) as QuotaTicket).settle(committed(1));
    expect(() => quotas.admit('t', 's/c', 1, true)).toThrow(expect.objectContaining({ code: 'DOC_QUOTA_EXCEEDED' }));
    // Other tenants have their own count.
    expect(await quotas.admit('u', 's/c', 100, true)).toBeDefined();
  });

  it('counts connections per tenant on this node; a release frees a slot once', () => {
    const quotas = createTenantQuotas({ store: createMemoryStore(), limits: { connections: 2 } });
    const r1 = quotas.connect('t');
    quotas.connect('t');
    expect(() => quotas.connect('t')).toThrow(expect.objectContaining({ code: 'CONNECTION_QUOTA_EXCEEDED', retryable: true }));
    expect(() => quotas.connect('u')).not.toThrow();
    r1();
    r1();
    quotas.connect('t');
    expect(() => quotas.connect('t')).toThrow(expect.objectContaining({ code: 'CONNECTION_QUOTA_EXCEEDED' }));
  });

  it('without limits, admit answers at once and never reads the store', () => {
    const { store, reads } = countingStore(createMemoryStore());
    const quotas = createTenantQuotas({ store, limits: {} });
    expect(quotas.admit('t', 's/a', 1e9, true)).not.toBeInstanceOf(Promise);
    expect(reads()).toBe(0);
  });
});
