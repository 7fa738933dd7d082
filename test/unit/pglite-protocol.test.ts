/**
 * The embedded store's messages (store/pglite-protocol.ts): a commit batch travels as one buffer and comes
 * out byte for byte, and an error crosses the thread with its code, message, retryability and SQLSTATE.
 */
import { describe, expect, it } from 'vitest';
import { AssertionError, CairnError } from '@cairn/shared';
import { fromWire, packBatch, toWire, transferables, unpackBatch } from '../../packages/server/src/store/pglite-protocol.js';
import { sqlState } from '../../packages/server/src/store/sql-client.js';
import { toStoreError } from '../../packages/server/src/store/store-error.js';

describe('embedded store messages', () => {
  it('a batch packs into one buffer and unpacks to the same requests, views into a shared slab included', () => {
    const slab = new Uint8Array(64).map((_, i) => i);
    const requests = [
      { tenant: 't', doc: 's/a', clientId: 'c1', seq: 1, actor: 'x', update: slab.subarray(10, 20) },
      { tenant: 't', doc: 's/b', clientId: 'c2', seq: 2, actor: 'y', update: new Uint8Array(0) },
      { tenant: 'u', doc: 's/a', clientId: 'c1', seq: 3, actor: 'x', update: slab.subarray(60) },
    ];
    const packed = packBatch(requests);
    expect(packed.bytes.byteLength).toBe(14);
    const back = unpackBatch(structuredClone(packed, { transfer: [packed.bytes] }));
    expect(back.map((r) => ({ ...r, update: [...r.update] }))).toEqual(requests.map((r) => ({ ...r, update: [...r.update] })));
    expect(requests[0]!.update[0]).toBe(10); // the caller's bytes stay usable: packing copied them
  });

  it('S4: a refused request keeps its code, message, retryability and SQLSTATE across the thread', () => {
    const driver = Object.assign(new Error('new row violates check constraint'), { code: '23514' });
    const back = fromWire(structuredClone(toWire(toStoreError(driver))));
    expect(back).toBeInstanceOf(CairnError);
    expect(back).toMatchObject({ code: 'BAD_REQUEST', retryable: false, message: toStoreError(driver).message });
    expect(sqlState((back as CairnError).cause)).toBe('23514');
    expect(back.message).not.toContain('violates');
  });

  it('a database failure stays STORE_UNAVAILABLE (retryable); an unknown throw becomes one; a broken invariant stays a bug', () => {
    const down = fromWire(structuredClone(toWire(toStoreError(Object.assign(new Error('terminating connection'), { code: '57P01' }), false))));
    expect(down).toMatchObject({ code: 'STORE_UNAVAILABLE', retryable: true });
    expect(sqlState((down as CairnError).cause)).toBe('57P01');
    expect(fromWire(structuredClone(toWire(new TypeError('boom'))))).toMatchObject({ code: 'STORE_UNAVAILABLE', retryable: true });
    expect(fromWire(structuredClone(toWire(new AssertionError('versions are gap-free'))))).toBeInstanceOf(AssertionError);
  });

  it('answers hand over the buffers of log rows and snapshots, never a view into a larger one', () => {
    const own = new Uint8Array([1, 2]);
    const view = new Uint8Array(8).subarray(2, 4);
    expect(transferables([{ version: 1, update: own, actor: 'a' }, { version: 2, update: view, actor: 'a' }])).toEqual([own.buffer]);
    expect(transferables({ version: 3, state: own })).toEqual([own.buffer]);
    expect(transferables(7)).toEqual([]);
  });
});
