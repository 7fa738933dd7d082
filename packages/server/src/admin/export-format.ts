/**
 * The export file (`cairn-server export` / `import`, L3): NDJSON, one JSON object per line, UTF-8, `\n`
 * after every line. One line per log row, not one per doc, so neither side ever holds a whole doc's log
 * in memory. docs/OPERATIONS.md "Export and import" documents it field by field.
 *
 *   header  {"format":"cairn-export","version":1,"tenant":…,"space":…|null,"exportedAt":iso,"epoch":…}
 *   doc     {"doc":"space/name","head":n}                           then the doc's floor line if it has one, and
 *                                                                   exactly n − F row lines (F: the floor's version, else 0)
 *   floor   {"doc":…,"floor":{"version":F,"at":iso,"state":base64,"owners":[[yjsClient,subject],…],"rowsTrimmed":r,"bytesTrimmed":b}}
 *                                                                   a doc compacted below a history window: its state at F
 *   row     {"doc":…,"version":v,"clientId":…,"seq":s,"actor":…,"committedAt":iso,"update":base64}
 *   end     {"end":true,"docs":d,"rows":r}                          last line: a cut-off file is detected
 *
 * Reading validates every line: anything else is a CairnError BAD_REQUEST naming the line number.
 */
import { CairnError, isValidDocId } from '@cairn/shared';
import type { HistoryFloor, LogRow } from '../store/store.js';

export const EXPORT_FORMAT = 'cairn-export';
export const EXPORT_VERSION = 1;

export interface ExportHeader {
  format: typeof EXPORT_FORMAT;
  version: typeof EXPORT_VERSION;
  tenant: string;
  /** The one space exported, or null for every space of the tenant. */
  space: string | null;
  exportedAt: string;
  /** The source database's epoch when the export began (informational: an import never takes it). */
  epoch: string;
}

export type ExportLine =
  | { kind: 'header'; header: ExportHeader }
  | { kind: 'doc'; doc: string; head: number }
  | { kind: 'floor'; doc: string; floor: HistoryFloor }
  | { kind: 'row'; doc: string; row: LogRow }
  | { kind: 'end'; docs: number; rows: number };

export function headerLine(h: ExportHeader): string {
  return `${JSON.stringify(h)}\n`;
}

export function docLine(doc: string, head: number): string {
  return `${JSON.stringify({ doc, head })}\n`;
}

const b64 = (u: Uint8Array) => Buffer.from(u.buffer, u.byteOffset, u.byteLength).toString('base64');

export function floorLine(doc: string, f: HistoryFloor): string {
  return `${JSON.stringify({
    doc,
    floor: { version: f.version, at: f.at.toISOString(), state: b64(f.state), owners: [...f.owners], rowsTrimmed: f.rowsTrimmed, bytesTrimmed: f.bytesTrimmed },
  })}\n`;
}

export function rowLine(doc: string, r: LogRow): string {
  return `${JSON.stringify({
    doc, version: r.version, clientId: r.clientId, seq: r.seq, actor: r.actor, committedAt: r.committedAt.toISOString(),
    update: Buffer.from(r.update.buffer, r.update.byteOffset, r.update.byteLength).toString('base64'),
  })}\n`;
}

export function endLine(docs: number, rows: number): string {
  return `${JSON.stringify({ end: true, docs, rows })}\n`;
}

function bad(lineNo: number, what: string): never {
  throw new CairnError('BAD_REQUEST', `export line ${lineNo}: ${what}`);
}

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const isText = (v: unknown): v is string => typeof v === 'string' && v.length > 0;

/** Parses line `lineNo` (1-based); the first line must be the header, every later one must not be. */
export function parseLine(text: string, lineNo: number): ExportLine {
  let v: Record<string, unknown>;
  try {
    v = JSON.parse(text) as Record<string, unknown>;
  } catch {
    bad(lineNo, 'not JSON');
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) bad(lineNo, 'not a JSON object');
  if (lineNo === 1) {
    if (v['format'] !== EXPORT_FORMAT) bad(lineNo, `not a ${EXPORT_FORMAT} file`);
    if (v['version'] !== EXPORT_VERSION) bad(lineNo, `format version ${String(v['version'])}; this server reads ${EXPORT_VERSION}`);
    if (!isText(v['tenant']) || (v['space'] !== null && !isText(v['space'])) || !isText(v['exportedAt']) || typeof v['epoch'] !== 'string') bad(lineNo, 'header fields');
    return { kind: 'header', header: v as unknown as ExportHeader };
  }
  if (v['end'] === true) {
    if (!isCount(v['docs']) || !isCount(v['rows'])) bad(lineNo, 'end counts');
    return { kind: 'end', docs: v['docs'], rows: v['rows'] };
  }
  const doc = v['doc'];
  if (!isText(doc)) bad(lineNo, 'no doc');
  if (!isValidDocId(doc)) bad(lineNo, `doc id ${JSON.stringify(doc.slice(0, 80))}`);
  if ('head' in v) {
    if (!isCount(v['head'])) bad(lineNo, 'head');
    return { kind: 'doc', doc, head: v['head'] };
  }
  if ('floor' in v) return { kind: 'floor', doc, floor: parseFloor(v['floor'], lineNo) };
  const { version, clientId, seq, actor, committedAt, update } = v;
  if (!isCount(version) || version < 1 || !isText(clientId) || !isCount(seq) || typeof actor !== 'string' || !isText(committedAt) || typeof update !== 'string') bad(lineNo, 'row fields');
  const at = new Date(committedAt);
  if (Number.isNaN(at.getTime())) bad(lineNo, 'committedAt');
  const bytes = Buffer.from(update, 'base64');
  if (bytes.toString('base64') !== update) bad(lineNo, 'update is not canonical base64');
  return { kind: 'row', doc, row: { version, clientId, seq, actor, committedAt: at, update: new Uint8Array(bytes) } };
}

function canonicalBytes(text: unknown, lineNo: number, what: string): Uint8Array {
  if (typeof text !== 'string') bad(lineNo, what);
  const bytes = Buffer.from(text as string, 'base64');
  if (bytes.toString('base64') !== text) bad(lineNo, `${what} is not canonical base64`);
  return new Uint8Array(bytes);
}

function parseFloor(f: unknown, lineNo: number): HistoryFloor {
  if (typeof f !== 'object' || f === null) bad(lineNo, 'floor');
  const { version, at, state, owners, rowsTrimmed, bytesTrimmed } = f as Record<string, unknown>;
  if (!isCount(version) || version < 1 || !isText(at) || !isCount(rowsTrimmed) || !isCount(bytesTrimmed) || !Array.isArray(owners)) bad(lineNo, 'floor fields');
  const when = new Date(at as string);
  if (Number.isNaN(when.getTime())) bad(lineNo, 'floor at');
  const map = new Map<number, string>();
  for (const o of owners as unknown[]) {
    if (!Array.isArray(o) || o.length !== 2 || !isCount(o[0]) || typeof o[1] !== 'string') bad(lineNo, 'floor owners');
    map.set((o as [number, string])[0], (o as [number, string])[1]);
  }
  return { version: version as number, at: when, state: canonicalBytes(state, lineNo, 'floor state'), owners: map, rowsTrimmed: rowsTrimmed as number, bytesTrimmed: bytesTrimmed as number };
}
