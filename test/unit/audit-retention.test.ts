/**
 * L4 retention: the sweep deletes every row older than the window in batches of `batch` rows (one short
 * statement each), keeps the rest, runs at start and on its interval, and a failing sweep is retried by the
 * next one rather than thrown at the node.
 */
import { describe, expect, it, vi } from 'vitest';
import { createMemoryStore } from '@cairn/server';
import { createAuditRetention } from '../../packages/server/src/audit/audit-retention.js';
import type { AuditRow } from '../../packages/server/src/audit/audit-event.js';

const DAY = 86_400_000;
const NOW = Date.parse('2026-12-07T12:00:00Z');

function rows(n: number, ageDays: number): AuditRow[] {
  return Array.from({ length: n }, (_, i) => ({
    at: new Date(NOW - ageDays * DAY - i), tenant: 't', subject: 's', clientId: null, node: 'n', action: 'connect',
    space: null, doc: null, outcome: 'ok', count: 1, detail: { ageDays },
  }));
}

describe('audit retention', () => {
  it('L4: deletes every row older than the window in batches, and keeps the younger rows', async () => {
    const store = createMemoryStore();
    await store.appendAudit([...rows(23, 40), ...rows(4, 29)]);
    const calls: number[] = [];
    const counted: number[] = [];
    const retention = createAuditRetention({
      store: { deleteAuditBefore: async (before, limit) => (calls.push(limit), store.deleteAuditBefore(before, limit)) },
      days: 30, batch: 10, now: () => NOW, intervalMs: 3_600_000, expired: (n) => counted.push(n),
    });
    // The sweep at start: 10 + 10 + 3, then nothing older is left.
    await vi.waitFor(() => expect(counted).toEqual([10, 10, 3]));
    expect(calls).toEqual([10, 10, 10]);
    expect(await retention.sweep()).toBe(0);
    const left = (await store.queryAudit({ limit: 100 })).rows;
    expect(left).toHaveLength(4);
    expect(left.every((r) => r.detail['ageDays'] === 29)).toBe(true);
    await retention.stop();
  });

  it('L4: sweeps again on its interval; a failed sweep is logged and the next one deletes', async () => {
    vi.useFakeTimers({ now: NOW });
    try {
      const store = createMemoryStore();
      await store.appendAudit(rows(3, 10));
      let fail = true;
      const warnings: string[] = [];
      const retention = createAuditRetention({
        store: { deleteAuditBefore: async (before, limit) => (fail ? Promise.reject(new Error('db down')) : store.deleteAuditBefore(before, limit)) },
        days: 7, intervalMs: 60_000, log: { info() {}, warn: (_o, m) => warnings.push(m), error() {} },
      });
      await vi.advanceTimersByTimeAsync(0);
      expect(warnings).toEqual(['audit retention sweep failed; the next one retries']);
      expect((await store.queryAudit({ limit: 10 })).rows).toHaveLength(3);
      fail = false;
      await vi.advanceTimersByTimeAsync(60_000);
      expect((await store.queryAudit({ limit: 10 })).rows).toHaveLength(0);
      await retention.stop();
    } finally {
      vi.useRealTimers();
    }
  });
});
