/**
 * Builders and checks shared by the Store suites. A push's default bytes name its (clientId, seq), so a
 * stored row can be traced back to the request that wrote it.
 */
import { expect } from 'vitest';
import type { CommitOutcome, CommitRequest, Store } from '../../packages/server/src/store/store.js';

export function push(tenant: string, doc: string, clientId: string, seq: number, update?: Uint8Array): CommitRequest {
  return { tenant, doc, clientId, seq, actor: 'tester', update: update ?? new TextEncoder().encode(`${clientId}#${seq}`) };
}

/** Batch b of `sizes` holds pushes from client `${prefix}-b`, seq 0…size-1, all to `doc`. */
export function batchesOf(tenant: string, doc: string, prefix: string, sizes: readonly number[]): CommitRequest[][] {
  return sizes.map((size, b) => Array.from({ length: size }, (_, i) => push(tenant, doc, `${prefix}-${b}`, i)));
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.byteLength === b.byteLength && a.every((byte, i) => byte === b[i]);
}

/** Exact byte equality, fast on large arrays (deep equality walks them element by element). */
export function expectBytes(actual: Uint8Array, expected: Uint8Array, message: string): void {
  expect(actual.byteLength, `${message}: length`).toBe(expected.byteLength);
  const at = actual.findIndex((byte, i) => byte !== expected[i]);
  expect(at, `${message}: first differing byte`).toBe(-1);
}

/**
 * C2 after concurrent commits: every outcome is committed, each batch's versions rise in request order,
 * the versions are exactly 1..N, and the row stored at each version is the request that was told it.
 */
export async function expectGapFreeLog(
  store: Store,
  tenant: string,
  doc: string,
  batches: readonly (readonly CommitRequest[])[],
  outcomes: readonly (readonly CommitOutcome[])[],
  seed: number,
): Promise<void> {
  const byVersion = new Map<number, Uint8Array>();
  const reused: number[] = [];
  batches.forEach((batch, b) => {
    const got = outcomes[b]!;
    expect(got.map((o) => o.kind), `SEED=${seed}`).toEqual(batch.map(() => 'committed'));
    const versions = got.map((o) => o.version);
    expect(versions, `SEED=${seed}: request order`).toEqual([...versions].sort((x, y) => x - y));
    batch.forEach((request, i) => {
      if (byVersion.has(versions[i]!)) reused.push(versions[i]!);
      byVersion.set(versions[i]!, request.update);
    });
  });
  expect(reused, `SEED=${seed}: versions handed out twice`).toEqual([]);
  const total = batches.reduce((n, batch) => n + batch.length, 0);
  expect([...byVersion.keys()].sort((x, y) => x - y), `SEED=${seed}`).toEqual(Array.from({ length: total }, (_, i) => i + 1));
  const stored = await store.loadUpdates(tenant, doc, 0);
  expect(stored.map((r) => r.version), `SEED=${seed}`).toEqual(Array.from({ length: total }, (_, i) => i + 1));
  const wrong = stored.filter((r) => !sameBytes(r.update, byVersion.get(r.version)!)).map((r) => r.version);
  expect(wrong, `SEED=${seed}: versions whose stored bytes are not the request told that version`).toEqual([]);
  expect(await store.headVersion(tenant, doc)).toBe(total);
}
