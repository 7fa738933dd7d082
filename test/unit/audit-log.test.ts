/**
 * L4: the node's audit log queues and never makes a caller wait; equal events of a flush window become one
 * row with a count, committed pushes one `write` row per principal, client and doc with the version range;
 * the queue is bounded (oldest dropped and counted); a failed batch is retried only if retryable; close()
 * writes what is queued, within its time bound even when the Store hangs.
 */
import { describe, expect, it } from 'vitest';
import { CairnError } from '@cairn/shared';
import { createAuditLog, type AuditObserver } from '../../packages/server/src/audit/audit-log.js';
import type { AuditRow } from '../../packages/server/src/audit/audit-event.js';

function observer() {
  const dropped: Record<string, number> = {};
  let written = 0;
  const o: AuditObserver = {
    written: (n) => (written += n),
    dropped: (n, reason) => (dropped[reason] = (dropped[reason] ?? 0) + n),
    queued: () => {},
  };
  return { o, dropped, written: () => written };
}

function collecting() {
  const batches: AuditRow[][] = [];
  return { batches, sink: async (rows: readonly AuditRow[]) => void batches.push([...rows]) };
}

const push = (doc: string, clientId = 'c1', actor = 'alice') => ({ tenant: 't', actor, clientId, doc });

describe('audit log', () => {
  it('L4: committed pushes of one principal, client and doc in one window are one write row with the count and version range', async () => {
    let t = 1_000;
    const { batches, sink } = collecting();
    const log = createAuditLog({ sink, node: 'n1', flushMs: 60_000, now: () => t });
    for (const v of [5, 6, 7]) {
      log.committed(push('site/plan'), v);
      t += 10;
    }
    log.committed(push('site/other'), 1);
    log.committed(push('site/plan', 'c2'), 8);
    expect(log.queued).toBe(3);
    await log.flush();
    expect(batches).toHaveLength(1);
    const [plan, other, c2] = batches[0]!;
    expect(plan).toMatchObject({
      action: 'write', tenant: 't', subject: 'alice', clientId: 'c1', space: 'site', doc: 'site/plan', node: 'n1', outcome: 'ok', count: 3,
      detail: { fromVersion: 5, toVersion: 7, lastAt: new Date(1_020).toISOString() },
    });
    expect(plan!.at.getTime()).toBe(1_000);
    expect(other).toMatchObject({ doc: 'site/other', count: 1, detail: { fromVersion: 1, toVersion: 1 } });
    expect(c2).toMatchObject({ clientId: 'c2', count: 1, detail: { fromVersion: 8, toVersion: 8 } });
    // The next window starts a new row.
    log.committed(push('site/plan'), 9);
    await log.flush();
    expect(batches[1]).toMatchObject([{ count: 1, detail: { fromVersion: 9, toVersion: 9 } }]);
    await log.close();
  });

  it('L4: equal refusals in one window are one row with a count; another outcome or detail is another row', async () => {
    const { batches, sink } = collecting();
    const log = createAuditLog({ sink, node: 'n1', flushMs: 60_000 });
    const denied = { action: 'access.denied', tenant: 't', subject: 'bob', space: 'plans', doc: 'plans/a', outcome: 'READ_ONLY', detail: { op: 'write' } } as const;
    for (let i = 0; i < 50; i++) log.record(denied);
    log.record({ ...denied, outcome: 'FORBIDDEN' });
    log.record({ ...denied, detail: { op: 'read' } });
    await log.flush();
    expect(batches[0]!.map((r) => [r.outcome, r.detail['op'], r.count])).toEqual([['READ_ONLY', 'write', 50], ['FORBIDDEN', 'write', 1], ['READ_ONLY', 'read', 1]]);
    await log.close();
  });

  it('L4: past maxQueued the oldest rows are dropped and counted (overflow); the newest are written', async () => {
    const { batches, sink } = collecting();
    const obs = observer();
    const log = createAuditLog({ sink, node: 'n1', flushMs: 60_000, maxQueued: 3, maxBatch: 100, observer: obs.o });
    for (let i = 0; i < 5; i++) log.record({ action: 'connect', subject: `u${i}` });
    expect(log.queued).toBe(3);
    expect(obs.dropped).toEqual({ overflow: 2 });
    await log.flush();
    expect(batches.flat().map((r) => r.subject)).toEqual(['u2', 'u3', 'u4']);
    expect(obs.written()).toBe(3);
    await log.close();
  });

  it('L4: record() returns at once while the Store hangs; close() gives up after its bound and counts what it could not write', async () => {
    const obs = observer();
    let calls = 0;
    const log = createAuditLog({ sink: () => (calls++, new Promise<void>(() => {})), node: 'n1', flushMs: 60_000, closeTimeoutMs: 200, observer: obs.o });
    log.record({ action: 'connect', subject: 'a' });
    void log.flush(); // takes the row into a batch that never settles
    const started = performance.now();
    for (let i = 0; i < 1000; i++) log.committed(push(`site/d${i % 10}`), i + 1);
    expect(performance.now() - started).toBeLessThan(200);
    expect(log.queued).toBe(10);
    const closing = performance.now();
    await log.close();
    expect(performance.now() - closing).toBeGreaterThanOrEqual(150);
    expect(calls).toBe(1);
    expect(obs.dropped).toEqual({ shutdown: 1000 });
  });

  it('L4: a retryable failure puts the batch back in front; a batch the Store refuses is dropped and counted (failed)', async () => {
    const obs = observer();
    const batches: AuditRow[][] = [];
    let next: 'unavailable' | 'refused' | 'ok' = 'unavailable';
    const sink = async (rows: readonly AuditRow[]) => {
      if (next === 'unavailable') throw new CairnError('STORE_UNAVAILABLE');
      if (next === 'refused') throw new CairnError('BAD_REQUEST', 'refused');
      batches.push([...rows]);
    };
    const log = createAuditLog({ sink, node: 'n1', flushMs: 60_000, observer: obs.o });
    log.record({ action: 'connect', subject: 'first' });
    await log.flush();
    expect(log.queued).toBe(1);
    log.record({ action: 'connect', subject: 'second' });
    next = 'ok';
    await log.flush();
    expect(batches.flat().map((r) => r.subject)).toEqual(['first', 'second']);
    next = 'refused';
    log.record({ action: 'connect', subject: 'third' });
    await log.flush();
    expect(log.queued).toBe(0);
    expect(obs.dropped).toEqual({ failed: 1 });
    await log.close();
  });

  it('L4: client-made text cannot poison a batch: NUL and lone surrogates are replaced, long text and detail are bounded', async () => {
    const { batches, sink } = collecting();
    const log = createAuditLog({ sink, node: 'n1', flushMs: 60_000 });
    log.record({ action: 'auth.refused', subject: 'a\u0000b', clientId: 'x\uD800y', detail: { origin: 'o'.repeat(5000), deep: { a: { b: { c: { d: { e: 1 } } } } } } });
    log.record({ action: 'auth.refused', detail: { list: Array.from({ length: 100 }, () => 'x'.repeat(400)) } });
    await log.flush();
    const [first, second] = batches[0]!;
    expect(first!.subject).toBe('a\uFFFDb');
    expect(first!.clientId).toBe('x\uFFFDy');
    expect((first!.detail['origin'] as string).length).toBe(512);
    expect(first!.detail['deep']).toEqual({ a: { b: { c: null } } }); // four levels below detail at most
    expect(second!.detail).toEqual({ truncated: true });
    await log.close();
  });
});

describe('audit log, never in the way', () => {
  it('L4: an event that cannot be recorded (its detail throws when read) is counted as failed, never thrown at the caller', async () => {
    const obs = observer();
    const { batches, sink } = collecting();
    const log = createAuditLog({ sink, node: 'n1', flushMs: 60_000, observer: obs.o });
    const hostile = Object.defineProperty({}, 'boom', { enumerable: true, get: () => { throw new Error('read me not'); } });
    expect(() => log.record({ action: 'connect', detail: hostile })).not.toThrow();
    expect(() => log.committed({ tenant: 't', actor: 'a', clientId: 'c', doc: null as unknown as string }, 1)).not.toThrow();
    log.record({ action: 'connect', subject: 'fine' });
    await log.flush();
    expect(batches.flat().map((r) => r.subject)).toEqual(['fine']);
    expect(obs.dropped).toEqual({ failed: 2 });
    await log.close();
  });
});
