/**
 * `cairn-server purge-deleted` (L2): parsed like the other operator commands, refuses arguments, and runs
 * one pass of the purge on the Store: only what is past its grace period, each purge with its audit row
 * (L4, node `cli`) and the deletion record left as the tombstone.
 */
import { describe, expect, it } from 'vitest';
import { createMemoryStore } from '@cairn/server';
import { parseCli } from '../../packages/server/src/cli/args.js';
import { runPurgeCli } from '../../packages/server/src/admin/purge-command.js';
import { helpText } from '../../packages/server/src/cli/help.js';

const DAY = 86_400_000;

describe('cairn-server purge-deleted', () => {
  it('L2: parsed as its own command, listed in --help; an argument is a usage error (2)', async () => {
    expect(parseCli(['purge-deleted'])).toEqual({ kind: 'purge-deleted', args: [] });
    expect(helpText()).toContain('cairn-server purge-deleted');
    const out: string[] = [];
    expect(await runPurgeCli(['--now'], createMemoryStore(), (t) => out.push(t))).toBe(2);
    expect(out.join('\n')).toContain('usage: purge-deleted');
  });

  it('L2/L4: purges only what is due, leaves the tombstone, and writes a purge audit row per deletion', async () => {
    const store = createMemoryStore();
    const update = new TextEncoder().encode('x');
    await store.commitBatch([
      { tenant: 't', doc: 'old/a', clientId: 'c1', seq: 0, actor: 'u', update },
      { tenant: 't', doc: 'old/b', clientId: 'c1', seq: 1, actor: 'u', update },
      { tenant: 't', doc: 'new/a', clientId: 'c1', seq: 2, actor: 'u', update },
    ]);
    await store.markDeleted('t', 'old', null, 'alice', DAY);
    await store.markDeleted('t', 'new', 'new/a', 'alice', 30 * DAY);
    const out: string[] = [];
    expect(await runPurgeCli([], store, (t) => out.push(t), () => Date.now() + 2 * DAY)).toBe(0);
    expect(out).toEqual(['purged 1 deletion(s): 2 doc(s), 2 log row(s)']);
    expect(await store.listDocs('t', 'old')).toEqual([]);
    expect(await store.listDocs('t', 'new')).toEqual(['new/a']);
    expect((await store.deletionOf('t', 'old/a'))?.purgedAt).toBeInstanceOf(Date);
    const audit = await store.queryAudit({ tenant: 't', limit: 10 });
    expect(audit.rows.map((r) => [r.action, r.node, r.space, r.detail['docs'], r.detail['deletedBy']])).toEqual([['purge', 'cli', 'old', 2, 'alice']]);
    // A second pass finds nothing due.
    expect(await runPurgeCli([], store, (t) => out.push(t), () => Date.now() + 2 * DAY)).toBe(0);
    expect(out.at(-1)).toBe('purged 0 deletion(s): 0 doc(s), 0 log row(s)');
  });
});
