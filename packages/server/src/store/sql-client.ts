/**
 * The small SQL surface the shared store is written against. Postgres (`pg`) and PGlite speak the same SQL
 * but have different client APIs; each gets a thin adapter to this, so the SQL lives in one place.
 */
import { assert, CairnError } from '@cairn/shared';

export type SqlParam = string | number | Uint8Array | null | readonly string[] | readonly number[];
export type SqlRow = Readonly<Record<string, unknown>>;

export interface SqlQueryable {
  /** One statement, `$1…$n` placeholders. */
  query(text: string, params?: readonly SqlParam[]): Promise<SqlRow[]>;
}

/**
 * `query` and `transaction` see every tenant's rows: they serve the paths that are cross-tenant by design
 * (the group commit, read-model catch-up, migrations, the quarantine CLI; docs/DECISIONS.md). A per-tenant
 * read or write goes through `forTenant`.
 */
export interface SqlClient extends SqlQueryable {
  /** Runs fn in one transaction on one connection: COMMIT if it resolves, ROLLBACK and rethrow if not. */
  transaction<T>(fn: (tx: SqlQueryable) => Promise<T>): Promise<T>;
  /**
   * Runs fn's statements as `tenant` (S5). On a tenant-scoped app role (pg-store.ts with
   * `ownerConnectionString`) they run in one transaction that first does SET LOCAL cairn.tenant, so
   * row-level security (migration 7) hides every other tenant's rows even from a statement that forgets
   * its filter, and refuses writes of them. On the owner role (one URL, PGlite) fn runs as a plain query,
   * with no extra round trip.
   */
  forTenant<T>(tenant: string, fn: (q: SqlQueryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** The value of cairn.tenant that the row policies read as "every tenant" (migration 7). */
export const ALL_TENANTS = '*';

/**
 * `SET LOCAL cairn.tenant = '…'` as literal SQL, so it rides in one simple-protocol message with BEGIN. The
 * tenant comes from a verified token, but is quoted as any literal would be (standard_conforming_strings is
 * on since Postgres 9.1), and the wildcard, NUL and the empty string are refused.
 */
export function setLocalTenantSql(tenant: string): string {
  if (tenant === ALL_TENANTS || tenant === '' || tenant.includes('\0')) {
    throw new CairnError('BAD_REQUEST', 'a tenant id may not be empty, "*" or hold NUL');
  }
  return `SET LOCAL cairn.tenant = '${tenant.replaceAll("'", "''")}'`;
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
