/**
 * `cairn-server audit [--tenant t] [--subject s] [--action a] [--since iso] [--until iso] [--limit n]`: the
 * audit trail (L4) for an operator with database access, newest first, one tab-separated line per row, with
 * the same filters and checks as `GET /v1/admin/audit` (audit/audit-query-params.ts). Reading it is audited
 * too (`audit.query`, node `cli`). Apart from process and Store setup so a test can run it on any Store.
 */
import { parseArgs } from 'node:util';
import { userInfo } from 'node:os';
import { isCairnError } from '@cairn/shared';
import type { Store } from '../store/store.js';
import type { AuditRecord } from '../audit/audit-event.js';
import { parseAuditQuery } from '../audit/audit-query-params.js';

export const AUDIT_USAGE = 'usage: audit [--tenant <id>] [--subject <sub>] [--action <action>] [--since <iso time>] [--until <iso time>] [--limit <1-1000>]';

function line(r: AuditRecord): string {
  const text = (v: string | null) => v ?? '-';
  return [r.at.toISOString(), text(r.tenant), text(r.subject), text(r.clientId), r.node, r.action, text(r.doc ?? r.space), r.outcome, String(r.count), JSON.stringify(r.detail)].join('\t');
}

export async function runAuditCli(args: readonly string[], store: Store, out: (text: string) => void): Promise<number> {
  let values: Record<string, string | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...args],
      strict: true,
      allowPositionals: false,
      options: { tenant: { type: 'string' }, subject: { type: 'string' }, action: { type: 'string' }, since: { type: 'string' }, until: { type: 'string' }, limit: { type: 'string' } },
    }));
  } catch (err) {
    out(`${(err as Error).message}\n${AUDIT_USAGE}`);
    return 2;
  }
  let query;
  try {
    query = parseAuditQuery(Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined)));
  } catch (err) {
    if (!isCairnError(err)) throw err;
    out(`${err.message}\n${AUDIT_USAGE}`);
    return 2;
  }
  const page = await store.queryAudit(query);
  await store.appendAudit([{
    at: new Date(), tenant: query.tenant ?? null, subject: null, clientId: null, node: 'cli', action: 'audit.query', space: null, doc: null,
    outcome: 'ok', count: 1, detail: { by: 'cli', osUser: userInfo().username, filters: values, rows: page.rows.length },
  }]);
  out(page.rows.length === 0 ? 'no audit rows' : ['at\ttenant\tsubject\tclient\tnode\taction\tdoc\toutcome\tcount\tdetail', ...page.rows.map(line)].join('\n'));
  if (page.next) out(`(more rows: narrow the filters, or pass --until ${page.rows[page.rows.length - 1]!.at.toISOString()})`);
  return 0;
}
