/**
 * `cairn-server audit` (admin/audit-command.ts) on a Store: the admin endpoint's filters as flags, one line
 * per row newest first, usage errors exit 2, and reading the trail leaves its own `audit.query` row (L4).
 */
import { describe, expect, it } from 'vitest';
import { createMemoryStore } from '@cairn/server';
import { runAuditCli } from '../../packages/server/src/admin/audit-command.js';
import type { AuditRow } from '../../packages/server/src/audit/audit-event.js';

function row(at: string, over: Partial<AuditRow>): AuditRow {
  return { at: new Date(at), tenant: 'acme', subject: 'alice', clientId: 'c1', node: 'n1', action: 'write', space: 'site', doc: 'site/plan', outcome: 'ok', count: 1, detail: {}, ...over };
}

describe('cairn-server audit', () => {
  it('L4: filters like the endpoint, prints newest first, and records its own read', async () => {
    const store = createMemoryStore();
    await store.appendAudit([
      row('2026-12-01T10:00:00Z', { detail: { fromVersion: 1, toVersion: 4 }, count: 4 }),
      row('2026-12-02T10:00:00Z', { action: 'access.denied', outcome: 'READ_ONLY', doc: 'lab/x', space: 'lab' }),
      row('2026-12-03T10:00:00Z', { tenant: 'globex', subject: 'gina' }),
    ]);
    const lines: string[] = [];
    expect(await runAuditCli(['--tenant', 'acme', '--since', '2026-12-01'], store, (t) => lines.push(t))).toBe(0);
    const out = lines.join('\n').split('\n');
    expect(out[0]).toBe('at\ttenant\tsubject\tclient\tnode\taction\tdoc\toutcome\tcount\tdetail');
    expect(out.slice(1)).toEqual([
      '2026-12-02T10:00:00.000Z\tacme\talice\tc1\tn1\taccess.denied\tlab/x\tREAD_ONLY\t1\t{}',
      '2026-12-01T10:00:00.000Z\tacme\talice\tc1\tn1\twrite\tsite/plan\tok\t4\t{"fromVersion":1,"toVersion":4}',
    ]);
    const reads = (await store.queryAudit({ action: 'audit.query', limit: 10 })).rows;
    expect(reads).toMatchObject([{ node: 'cli', tenant: 'acme', detail: { by: 'cli', rows: 2, filters: { tenant: 'acme', since: '2026-12-01' } } }]);
  });

  it('L4: an unknown flag or a bad filter is a usage error (exit 2) and reads nothing', async () => {
    const store = createMemoryStore();
    const lines: string[] = [];
    expect(await runAuditCli(['--tennant', 'acme'], store, (t) => lines.push(t))).toBe(2);
    expect(await runAuditCli(['--since', 'last week'], store, (t) => lines.push(t))).toBe(2);
    expect(await runAuditCli(['--limit', '5000'], store, (t) => lines.push(t))).toBe(2);
    expect(lines.every((l) => l.includes('usage: audit'))).toBe(true);
    expect((await store.queryAudit({ limit: 10 })).rows).toEqual([]);
  });
});
