/**
 * `cairn-server compact [--tenant <id>] [--doc <space/name>] [--days <n>]`: one compaction pass now
 * (compact/compaction.ts), on the Store the environment names, with the history window of
 * CAIRN_HISTORY_DAYS unless --days gives one. Prints what it trimmed. Each trimmed doc leaves its audit
 * row (L4, action `trim`, node `cli`). Apart from process and Store setup so a test can run it on any Store.
 */
import { parseArgs } from 'node:util';
import { userInfo } from 'node:os';
import type { Store } from '../store/store.js';
import { createCompaction } from '../compact/compaction.js';

export const COMPACT_USAGE = 'usage: compact [--tenant <id>] [--doc <space/name>] [--days <n ≥ 1>] (default days: CAIRN_HISTORY_DAYS)';

export async function runCompactCli(args: readonly string[], store: Store, historyDays: number, out: (text: string) => void): Promise<number> {
  let values: { tenant?: string; doc?: string; days?: string };
  try {
    ({ values } = parseArgs({ args: [...args], strict: true, allowPositionals: false, options: { tenant: { type: 'string' }, doc: { type: 'string' }, days: { type: 'string' } } }));
  } catch (err) {
    out(`compact: ${(err as Error).message}\n${COMPACT_USAGE}`);
    return 2;
  }
  const days = values.days === undefined ? historyDays : Number(values.days);
  if (!Number.isSafeInteger(days) || days < 1) {
    out(values.days === undefined ? `CAIRN_HISTORY_DAYS is 0 (history kept forever): nothing to compact; pass --days to trim anyway\n${COMPACT_USAGE}` : `compact: --days ${values.days} is not a number of days ≥ 1\n${COMPACT_USAGE}`);
    return 2;
  }
  if (values.doc !== undefined && values.tenant === undefined) {
    out(`compact: --doc needs --tenant\n${COMPACT_USAGE}`);
    return 2;
  }
  const osUser = userInfo().username;
  const compaction = createCompaction({
    store, days,
    // L4: written at once, there is no node here.
    audit: (e) => store.appendAudit([{
      at: new Date(), tenant: e.tenant ?? null, subject: null, clientId: null, node: 'cli', action: e.action, space: e.space ?? null,
      doc: e.doc ?? null, outcome: 'ok', count: 1, detail: { ...e.detail, osUser },
    }]),
    log: { info() {}, warn: (o: object, msg: string) => out(`${msg}: ${JSON.stringify(o)}`), error() {} },
  });
  const totals = await compaction.run({ ...(values.tenant !== undefined ? { tenant: values.tenant } : {}), ...(values.doc !== undefined ? { doc: values.doc } : {}) });
  await compaction.stop();
  out(`trimmed ${totals.rows} rows (${totals.bytes} B) from ${totals.docs} docs, history window ${days} days${totals.failed > 0 ? `; ${totals.failed} docs failed (see above)` : ''}`);
  return totals.failed > 0 ? 1 : 0;
}
