/**
 * The small SQL surface the shared store is written against. Postgres (`pg`) and PGlite speak the same SQL
 * but have different client APIs; each gets a thin adapter to this, so the SQL lives in one place.
 */
import { assert } from '@cairn/shared';

export type SqlParam = string | number | Uint8Array | null | readonly string[] | readonly number[];
export type SqlRow = Readonly<Record<string, unknown>>;

export interface SqlQueryable {
  /** One statement, `$1…$n` placeholders. */
  query(text: string, params?: readonly SqlParam[]): Promise<SqlRow[]>;
}

export interface SqlClient extends SqlQueryable {
  /** Runs fn in one transaction on one connection: COMMIT if it resolves, ROLLBACK and rethrow if not. */
  transaction<T>(fn: (tx: SqlQueryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** The SQLSTATE of a database error (`pg` and PGlite both put it in `code`), if it is one. */
export function sqlState(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null || !('code' in err)) return undefined;
  const code = (err as { code: unknown }).code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

/** bigint columns arrive as strings from `pg` and as numbers from PGlite. */
export function rowInt(row: SqlRow, column: string): number {
  const v = row[column];
  const n = typeof v === 'string' || typeof v === 'bigint' ? Number(v) : v;
  assert(typeof n === 'number' && Number.isSafeInteger(n), `column ${column} is not a safe integer: ${String(v)}`);
  return n;
}

export function rowText(row: SqlRow, column: string): string {
  const v = row[column];
  assert(typeof v === 'string', `column ${column} is not text`);
  return v;
}

/**
 * bytea arrives as a Buffer from `pg` (often a view into a shared pool slab) and as a Uint8Array from
 * PGlite. Callers get a plain Uint8Array that owns its memory, so nothing else can change it under them.
 */
export function rowBytes(row: SqlRow, column: string): Uint8Array {
  const v = row[column];
  assert(v instanceof Uint8Array, `column ${column} is not bytea`);
  return new Uint8Array(v);
}
