/**
 * `cairn-server compact` (admin/compact-command.ts) on a Store: one pass now, over a tenant or one doc, with
 * the window of CAIRN_HISTORY_DAYS or --days; each trimmed doc leaves an audit row from node `cli` (L4);
 * usage errors exit 2 and trim nothing.
 */
import { describe, expect, it } from 'vitest';
import { createMemoryStore } from '@cairn/server';
import { runCompactCli } from '../../packages/server/src/admin/compact-command.js';

const DAY = 86_400_000;

async function seeded() {
  let clock = Date.now() - 40 * DAY;
  const store = createMemoryStore({ now: () => clock });
  for (const doc of ['site/a', 'site/b']) {
    await store.commitBatch([0, 1, 2].map((seq) => ({ tenant: 'acme', doc, clientId: `w-${doc}`, seq, actor: 'w', update: new Uint8Array([0, 0]) })));
  }
  clock = Date.now();
  await store.commitBatch([{ tenant: 'acme', doc: 'site/a', clientId: 'w-site/a', seq: 3, actor: 'w', update: new Uint8Array([0, 0]) }]);
  return store;
}

describe('cairn-server compact', () => {
  it('L1, L4: trims one doc, then the rest of the tenant, and audits each trimmed doc from node cli', async () => {
    const store = await seeded();
    const out: string[] = [];
    expect(await runCompactCli(['--tenant', 'acme', '--doc', 'site/b', '--days', '30'], store, 0, (t) => out.push(t))).toBe(0);
    expect(out.pop()).toBe('trimmed 3 rows (6 B) from 1 docs, history window 30 days');
    expect(await store.loadHistoryFloor('acme', 'site/a')).toBeNull();
    expect(await runCompactCli(['--tenant', 'acme'], store, 30, (t) => out.push(t))).toBe(0);
    expect(out.pop()).toBe('trimmed 3 rows (6 B) from 1 docs, history window 30 days');
    expect((await store.loadHistoryFloor('acme', 'site/a'))!.version).toBe(3);
    const rows = (await store.queryAudit({ action: 'trim', limit: 10 })).rows.reverse();
    expect(rows.map((r) => [r.node, r.tenant, r.doc, r.detail['rows'], r.detail['floor']])).toEqual([['cli', 'acme', 'site/b', 3, 3], ['cli', 'acme', 'site/a', 3, 3]]);
    // Nothing left past the window: a pass finds nothing.
    expect(await runCompactCli([], store, 30, (t) => out.push(t))).toBe(0);
    expect(out.pop()).toBe('trimmed 0 rows (0 B) from 0 docs, history window 30 days');
  });

  it('usage: no window (CAIRN_HISTORY_DAYS 0, no --days), --doc without --tenant, a bad flag or days: exit 2, nothing trimmed', async () => {
    const store = await seeded();
    const out: string[] = [];
    expect(await runCompactCli([], store, 0, (t) => out.push(t))).toBe(2);
    expect(out.pop()).toMatch(/CAIRN_HISTORY_DAYS is 0/);
    expect(await runCompactCli(['--doc', 'site/a', '--days', '30'], store, 0, (t) => out.push(t))).toBe(2);
    expect(await runCompactCli(['--bogus'], store, 30, (t) => out.push(t))).toBe(2);
    expect(await runCompactCli(['--days', '0'], store, 30, (t) => out.push(t))).toBe(2);
    expect(out.pop()).toMatch(/^compact: --days 0 is not a number of days/);
    expect(await store.loadHistoryFloor('acme', 'site/a')).toBeNull();
    expect(await store.loadHistoryFloor('acme', 'site/b')).toBeNull();
  });
});
