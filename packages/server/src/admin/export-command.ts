/**
 * `cairn-server export --tenant <id> [--space <name>] [--out <file>]`: a tenant's (or one space's) docs,
 * every log row with its bytes, in the export format (export-format.ts), to a file or stdout. Each doc is
 * its log up to the head read when the export reached it: a prefix of its history, as every log row is
 * final (C2); docs are not read at one instant (for that, pg_dump: docs/OPERATIONS.md). Snapshots and the
 * anchor read model are not exported: both are derived from the log, and the import rebuilds the read model.
 * Audited (`export`, node `cli`). Apart from process and Store setup so a test can run it on any Store.
 */
import { open } from 'node:fs/promises';
import { once } from 'node:events';
import { parseArgs } from 'node:util';
import { userInfo } from 'node:os';
import { assert, isCairnError, isValidSegment } from '@cairn/shared';
import type { Store } from '../store/store.js';
import { EXPORT_FORMAT, EXPORT_VERSION, docLine, floorLine, endLine, headerLine, rowLine } from './export-format.js';

export const EXPORT_USAGE = 'usage: export --tenant <id> [--space <name>] [--out <file>]   (stdout without --out)';

/** Rows read per Store call. */
const PAGE = 1000;

export interface ExportSummary {
  docs: number;
  rows: number;
}

/** Writes the export to `write`, which resolves once the text may be followed by more (backpressure). */
export async function exportTo(store: Store, tenant: string, space: string | null, write: (text: string) => Promise<void>): Promise<ExportSummary> {
  const epoch = await store.epoch();
  await write(headerLine({ format: EXPORT_FORMAT, version: EXPORT_VERSION, tenant, space, exportedAt: new Date().toISOString(), epoch }));
  const docs = space === null ? await store.listTenantDocs(tenant) : await store.listDocs(tenant, space);
  let rows = 0;
  for (const doc of docs) {
    const head = await store.headVersion(tenant, doc);
    await write(docLine(doc, head));
    // A doc compacted below its history window starts at its floor: the state there, then the rows after.
    const floor = await store.loadHistoryFloor(tenant, doc);
    if (floor) await write(floorLine(doc, floor));
    let after = floor?.version ?? 0;
    while (after < head) {
      const page = (await store.exportRows(tenant, doc, after, Math.min(PAGE, head - after))).filter((r) => r.version <= head);
      assert(page.length > 0 && page[0]!.version === after + 1, `${doc}: the log has every version up to its head (C2)`);
      for (const r of page) await write(rowLine(doc, r));
      after = page[page.length - 1]!.version;
      rows += page.length;
    }
  }
  await write(endLine(docs.length, rows));
  return { docs: docs.length, rows };
}

export interface CliIo {
  out(text: string): void;
  err(text: string): void;
}

export async function runExportCli(args: readonly string[], store: Store, io: CliIo, stdout: NodeJS.WritableStream = process.stdout): Promise<number> {
  let values: { tenant?: string | undefined; space?: string | undefined; out?: string | undefined };
  try {
    ({ values } = parseArgs({ args: [...args], strict: true, allowPositionals: false, options: { tenant: { type: 'string' }, space: { type: 'string' }, out: { type: 'string' } } }));
  } catch (err) {
    io.err(`${(err as Error).message}\n${EXPORT_USAGE}`);
    return 2;
  }
  const { tenant, space, out } = values;
  if (!tenant) {
    io.err(`--tenant is required\n${EXPORT_USAGE}`);
    return 2;
  }
  if (space !== undefined && !isValidSegment(space)) {
    io.err(`--space ${JSON.stringify(space)} is not a space name\n${EXPORT_USAGE}`);
    return 2;
  }
  let stream = stdout;
  if (out !== undefined) {
    try {
      // Never over an existing file: an old backup is not overwritten by mistake.
      stream = (await open(out, 'wx')).createWriteStream();
    } catch (err) {
      io.err(`cannot create ${out}: ${(err as Error).message}`);
      return 1;
    }
  }
  const write = async (text: string) => {
    if (!stream.write(text)) await once(stream, 'drain');
  };
  let summary: ExportSummary;
  try {
    summary = await exportTo(store, tenant, space ?? null, write);
  } catch (err) {
    if (!isCairnError(err)) throw err;
    io.err(`export failed: ${err.code}: ${err.message}`);
    return 1;
  } finally {
    if (out !== undefined) {
      stream.end();
      await once(stream, 'finish');
    }
  }
  await store.appendAudit([{
    at: new Date(), tenant, subject: null, clientId: null, node: 'cli', action: 'export', space: space ?? null, doc: null,
    outcome: 'ok', count: 1, detail: { osUser: userInfo().username, docs: summary.docs, rows: summary.rows },
  }]);
  io.err(`exported ${summary.docs} docs, ${summary.rows} rows of tenant ${tenant}${space ? `, space ${space}` : ''}${out ? ` to ${out}` : ''}`);
  return 0;
}
