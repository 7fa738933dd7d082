/**
 * The quarantine commands (C4), apart from process and Store setup so a test can run them on any Store;
 * quarantine-cli.ts is the executable.
 */
import { userInfo } from 'node:os';
import type { QuarantineRecord, Store } from '../store/store.js';

export const QUARANTINE_USAGE = 'usage: quarantine list [tenant] [doc] | quarantine drop <tenant> <doc> <version>';

function line(q: QuarantineRecord): string {
  const state = q.droppedAt ? `dropped ${q.droppedAt.toISOString()}` : 'quarantined';
  return [q.tenant, q.doc, String(q.version), `${q.size} B`, q.quarantinedAt.toISOString(), state, q.reason].join('\t');
}

export async function runQuarantineCli(args: readonly string[], store: Store, out: (text: string) => void): Promise<number> {
  const [command, tenant, doc, version] = args;
  if (command === 'list' && args.length <= 3) {
    const records = await store.listQuarantined(tenant, doc);
    out(records.length === 0 ? 'no quarantined updates' : ['tenant\tdoc\tversion\tsize\tquarantined at\tstate\treason', ...records.map(line)].join('\n'));
    return 0;
  }
  if (command === 'drop' && tenant && doc && version && args.length === 4 && /^[1-9][0-9]*$/.test(version)) {
    const dropped = await store.dropQuarantined(tenant, doc, Number(version));
    // L4: an operator's change to the log is audited like a client's; written at once, there is no node here.
    if (dropped) {
      await store.appendAudit([{
        at: new Date(), tenant, subject: null, clientId: null, node: 'cli', action: 'quarantine.drop', space: doc.split('/')[0] ?? null, doc,
        outcome: 'ok', count: 1, detail: { version: Number(version), osUser: userInfo().username },
      }]);
    }
    out(dropped ? `dropped ${tenant} ${doc} version ${version}: the row now holds an empty update` : `${tenant} ${doc} version ${version} is not quarantined, or was dropped before`);
    return dropped ? 0 : 1;
  }
  out(QUARANTINE_USAGE);
  return 2;
}
