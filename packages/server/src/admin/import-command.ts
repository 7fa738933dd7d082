/**
 * `cairn-server import <file> [--replace] [--keep-epoch]`: writes an export (export-format.ts) back into
 * the Store the environment names, empty or not (L3). Every doc's rows go in at their own versions through
 * Store.importRows, in chunks, each chunk one transaction: a row already stored is skipped (so an import
 * repeated, interrupted and run again, or into the deployment it came from, is safe: C1), a different row
 * at a stored version stops the import with IMPORT_CONFLICT unless --replace. Then:
 *
 * - each clientId of the rows is bound to the actor of its lowest seq, unless bound already (C5; as
 *   migration 3 derives owners from the log), so a hello from another principal with it is still refused;
 * - the anchor read model of every imported cell and meta doc is brought to its head (readmodel/updater.ts);
 * - the database gets a new epoch (unless nothing was written, or --keep-epoch), so every replica that
 *   reconnects pushes again what it holds and the import lacks (L3); an audit row `import` records it.
 *
 * A file cut off before its end line is refused after the rows before the cut are imported; run the import
 * again on a complete file.
 */
import { open } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { userInfo } from 'node:os';
import { CairnError, isCairnError } from '@cairn/shared';
import type { LogRow, Store } from '../store/store.js';
import { createReadModelUpdater } from '../readmodel/updater.js';
import { parseLine, type ExportHeader } from './export-format.js';
import type { CliIo } from './export-command.js';

export const IMPORT_USAGE = 'usage: import <file | -> [--replace] [--keep-epoch]';

/** Rows per importRows call (one transaction each). */
const CHUNK = 500;

export interface ImportSummary {
  tenant: string;
  docs: number;
  rows: number;
  /** Rows written now; the others were stored already. */
  added: number;
  /** Docs whose rows from some version on were replaced (--replace). */
  replaced: string[];
  /** The new epoch, or null if it was kept. */
  epoch: string | null;
}

export async function importFrom(store: Store, lines: AsyncIterable<string>, options: { replace: boolean; keepEpoch: boolean }): Promise<ImportSummary> {
  let header: ExportHeader | null = null;
  let lineNo = 0;
  /** `base`: the version the doc's rows start after (its floor's, else 0); `seen`: rows read since. */
  let current: { doc: string; head: number; base: number; seen: number; chunk: LogRow[] } | null = null;
  let ended: { docs: number; rows: number } | null = null;
  const docs: string[] = [];
  const replaced: string[] = [];
  /** clientId → the actor of its lowest seq among the rows. */
  const owners = new Map<string, { seq: number; actor: string }>();
  let rows = 0;
  let added = 0;
  const bad = (what: string): never => {
    throw new CairnError('BAD_REQUEST', `export line ${lineNo}: ${what}`);
  };

  async function flush(): Promise<void> {
    if (!current || current.chunk.length === 0 || !header) return;
    const outcome = await store.importRows(header.tenant, current.doc, current.chunk, { replace: options.replace });
    added += outcome.added;
    if (outcome.replacedFrom !== null) replaced.push(current.doc);
    current.chunk = [];
  }

  async function closeDoc(): Promise<void> {
    if (!current) return;
    if (current.base + current.seen !== current.head) bad(`${current.doc} announced ${current.head - current.base} rows and has ${current.seen}`);
    await flush();
    current = null;
  }

  for await (const text of lines) {
    lineNo++;
    if (text === '') continue;
    if (ended) bad('text after the end line');
    const line = parseLine(text, lineNo);
    switch (line.kind) {
      case 'header':
        header = line.header;
        break;
      case 'doc':
        await closeDoc();
        if (docs.includes(line.doc)) bad(`${line.doc} appears twice`);
        docs.push(line.doc);
        current = { doc: line.doc, head: line.head, base: 0, seen: 0, chunk: [] };
        break;
      case 'floor': {
        if (!current || current.doc !== line.doc || current.seen > 0 || current.base > 0) bad('a floor line not right after its doc line');
        if (line.floor.version > current!.head) bad(`${line.doc}'s floor is past its head`);
        current!.base = line.floor.version;
        // An empty doc takes the floor (and a snapshot at it, where loads start); a doc that holds rows
        // keeps its own history, and importRows checks the rows after the floor against it.
        if (await store.importFloor(header!.tenant, line.doc, line.floor)) {
          await store.saveSnapshot(header!.tenant, line.doc, { version: line.floor.version, state: line.floor.state, owners: line.floor.owners });
          added++;
        }
        break;
      }
      case 'row': {
        if (!current || current.doc !== line.doc) bad('a row outside its doc');
        const c = current!;
        if (line.row.version !== c.base + c.seen + 1) bad(`${c.doc} row ${line.row.version} out of order`);
        c.seen++;
        rows++;
        c.chunk.push(line.row);
        const o = owners.get(line.row.clientId);
        if (!o || line.row.seq < o.seq) owners.set(line.row.clientId, { seq: line.row.seq, actor: line.row.actor });
        if (c.chunk.length >= CHUNK) await flush();
        break;
      }
      case 'end':
        await closeDoc();
        ended = { docs: line.docs, rows: line.rows };
        if (line.docs !== docs.length || line.rows !== rows) bad(`the end line counts ${line.docs} docs, ${line.rows} rows; the file holds ${docs.length}, ${rows}`);
        break;
    }
  }
  if (!header) throw new CairnError('BAD_REQUEST', 'the export is empty');
  if (!ended) throw new CairnError('BAD_REQUEST', `the export ends at line ${lineNo} without its end line: cut off? (rows before the cut were imported; import a complete file again)`);
  const tenant = header.tenant;
  // C5: server-made /y ids are never claimed by a hello (migration 3 leaves them out too).
  for (const [clientId, { actor }] of owners) if (!clientId.startsWith('yws-')) await store.claimClient(tenant, clientId, actor);
  const readModel = createReadModelUpdater({ store });
  try {
    // Meta docs first: a space's origin places its cells' anchors on Earth.
    const ordered = [...docs.filter((d) => d.endsWith('/meta')), ...docs.filter((d) => !d.endsWith('/meta'))];
    for (const doc of ordered) await readModel.catchUp(tenant, doc);
  } finally {
    await readModel.close();
  }
  const epoch = (added > 0 || replaced.length > 0) && !options.keepEpoch ? await store.newEpoch() : null;
  await store.appendAudit([{
    at: new Date(), tenant, subject: null, clientId: null, node: 'cli', action: 'import', space: header.space, doc: null,
    outcome: 'ok', count: 1,
    detail: { osUser: userInfo().username, docs: docs.length, rows, added, replaced, epoch, exportedAt: header.exportedAt, sourceEpoch: header.epoch },
  }]);
  return { tenant, docs: docs.length, rows, added, replaced, epoch };
}

export async function runImportCli(args: readonly string[], store: Store, io: CliIo, stdin: NodeJS.ReadableStream = process.stdin): Promise<number> {
  let values: { replace?: boolean | undefined; 'keep-epoch'?: boolean | undefined };
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({ args: [...args], strict: true, allowPositionals: true, options: { replace: { type: 'boolean' }, 'keep-epoch': { type: 'boolean' } } }));
  } catch (err) {
    io.err(`${(err as Error).message}\n${IMPORT_USAGE}`);
    return 2;
  }
  const [file, ...extra] = positionals;
  if (file === undefined || extra.length > 0) {
    io.err(IMPORT_USAGE);
    return 2;
  }
  let input = stdin;
  if (file !== '-') {
    try {
      input = (await open(file, 'r')).createReadStream();
    } catch (err) {
      io.err(`cannot read ${file}: ${(err as Error).message}`);
      return 1;
    }
  }
  let summary: ImportSummary;
  try {
    summary = await importFrom(store, createInterface({ input, crlfDelay: Infinity }), { replace: values.replace ?? false, keepEpoch: values['keep-epoch'] ?? false });
  } catch (err) {
    if (!isCairnError(err)) throw err;
    io.err(`import stopped: ${err.code}: ${err.message}`);
    return 1;
  }
  io.out([
    `imported tenant ${summary.tenant}: ${summary.docs} docs, ${summary.rows} rows (${summary.added} written, ${summary.rows - summary.added} already stored)`,
    ...(summary.replaced.length > 0 ? [`replaced from their first differing version: ${summary.replaced.join(', ')}`] : []),
    summary.epoch ? `new epoch ${summary.epoch}: replicas that reconnect push again what this database lacks (L3)` : 'epoch kept',
  ].join('\n'));
  return 0;
}

/** `cairn-server new-epoch`: after a pg_dump restore or a point-in-time recovery (docs/OPERATIONS.md). */
export async function runNewEpochCli(args: readonly string[], store: Store, io: CliIo): Promise<number> {
  if (args.length > 0) {
    io.err('usage: new-epoch   (no arguments)');
    return 2;
  }
  const before = await store.epoch();
  const epoch = await store.newEpoch();
  await store.appendAudit([{
    at: new Date(), tenant: null, subject: null, clientId: null, node: 'cli', action: 'epoch.new', space: null, doc: null,
    outcome: 'ok', count: 1, detail: { osUser: userInfo().username, before, epoch },
  }]);
  io.out(`new epoch ${epoch} (was ${before}): replicas that reconnect push again what this database lacks (L3)`);
  return 0;
}
