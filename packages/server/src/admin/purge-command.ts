/**
 * `cairn-server purge-deleted`: one pass of the hard purge (deletion/doc-purger.ts) now, for an operator with
 * database access, instead of waiting for a node's hourly pass. It purges what is due (past its grace
 * period), never more: a delete's grace is the one it was made with. Each purge leaves its audit row (L4,
 * node `cli`). Nodes that are running already refuse the docs (the deletion records are in force), so they
 * need no message. Apart from process and Store setup so a test can run it on any Store.
 */
import { userInfo } from 'node:os';
import type { AuditEvent, AuditRow } from '../audit/audit-event.js';
import { createDocPurger } from '../deletion/doc-purger.js';
import type { Store } from '../store/store.js';

export const PURGE_USAGE = 'usage: purge-deleted';

export async function runPurgeCli(args: readonly string[], store: Store, out: (text: string) => void, now: () => number = Date.now): Promise<number> {
  if (args.length > 0) {
    out(`unknown argument ${args[0]!}\n${PURGE_USAGE}`);
    return 2;
  }
  const rows: AuditRow[] = [];
  const record = (e: AuditEvent) => rows.push({
    at: new Date(now()), tenant: e.tenant ?? null, subject: e.subject ?? null, clientId: null, node: 'cli', action: e.action,
    space: e.space ?? null, doc: e.doc ?? null, outcome: e.outcome ?? 'ok', count: 1, detail: { ...e.detail, osUser: userInfo().username },
  });
  const purger = createDocPurger({ store, audit: { record }, intervalMs: 0, now });
  try {
    const report = await purger.run();
    out(`purged ${report.records} deletion(s): ${report.docs} doc(s), ${report.rows} log row(s)`);
  } finally {
    if (rows.length > 0) await store.appendAudit(rows);
  }
  return 0;
}
