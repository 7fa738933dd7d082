/**
 * commitBatch on Postgres and PGlite: the whole batch in ONE transaction (A2).
 *
 * A batch of ordinary size is ONE statement, so one round trip to the database (the statement is its own
 * transaction): its data-modifying CTEs
 *
 *   1. find the batch's pushes that are already stored            (C1 across batches; repeats inside the
 *                                                                  batch are folded before, in planBatch)
 *   2. bump every touched doc's head by its count of new rows (and its byte count, which tenant quotas
 *      read, by their bytes), one upsert row per doc, in (tenant, doc)
 *      order; the upsert row-locks each doc until the statement commits, so commits to one doc from any
 *      node serialize, and ON CONFLICT DO UPDATE always adds to the doc's latest head, so the versions
 *      they hand out never overlap or skip                      (C2)
 *   3. insert the new rows, each at its doc's old head + its place among the doc's new rows
 *
 * and it returns every first push's version. Round trips are most of a commit's time on a busy machine
 * (bench/: five statements BEGIN…COMMIT were the median of the fan-out latency).
 *
 * A batch too big for one statement (bind-parameter limit, or more bytes than we put in one message) takes
 * the same steps as four statements inside BEGIN…COMMIT, with the inserts chunked.
 *
 * Step 1 also finds pushes whose rows compaction trimmed (cairn_trimmed_seqs): duplicates, version 0.
 *
 * Two nodes committing the same (tenant, clientId, seq) at once both pass step 1; the loser's insert hits
 * the unique constraint (23505) after the winner commits. The whole batch is then retried once, and step 1
 * sees the winner's row.
 */
import { assert } from '@cairn/shared';
import { docKey, planBatch, pushKey, resolveOutcomes, type DocCount } from './batch-plan.js';
import { rowInt, rowText, sqlState, type SqlClient, type SqlParam, type SqlQueryable } from './sql-client.js';
import type { CommitOutcome, CommitRequest } from './store.js';

const UNIQUE_VIOLATION = '23505';
const MAX_BIND_PARAMS = 65_535;
const INSERT_COLUMNS = ['tenant', 'doc', 'version', 'client_id', 'seq', 'actor', 'bytes'] as const;
const MAX_ROWS_PER_INSERT = Math.floor(MAX_BIND_PARAMS / INSERT_COLUMNS.length);
/** Keeps one INSERT's message far below Postgres' 1 GiB limit even when PGlite hex-encodes bytea. */
const MAX_BYTES_PER_INSERT = 32 * 1024 * 1024;

export async function commitBatchSql(client: SqlClient, requests: readonly CommitRequest[]): Promise<CommitOutcome[]> {
  if (requests.length === 0) return [];
  const attempt = fitsOneStatement(requests)
    ? () => commitInOneStatement(client, requests)
    : () => client.transaction((tx) => commitOnce(tx, requests));
  try {
    return await attempt();
  } catch (err) {
    if (sqlState(err) !== UNIQUE_VIOLATION) throw err;
  }
  return attempt();
}

const ONE_STATEMENT_COLUMNS = 7;

/**
 * C1 once compaction trimmed the row: the push's seq lies in one of its replica's trimmed ranges
 * (migration 8, seq-ranges.ts) and is not in the log (there it has a version). Its version is gone with
 * the row: the outcome says 0, which no room needs to catch up to.
 */
const TRIMMED_SEQ = (k: string) =>
  `EXISTS (SELECT 1 FROM cairn_trimmed_seqs t WHERE t.tenant = ${k}.tenant AND t.client_id = ${k}.client_id AND t.lo <= ${k}.seq AND ${k}.seq <= t.hi)
   AND NOT EXISTS (SELECT 1 FROM cairn_updates u2 WHERE u2.tenant = ${k}.tenant AND u2.client_id = ${k}.client_id AND u2.seq = ${k}.seq)`;

function fitsOneStatement(requests: readonly CommitRequest[]): boolean {
  if (requests.length * ONE_STATEMENT_COLUMNS > MAX_BIND_PARAMS) return false;
  let bytes = 0;
  for (const r of requests) bytes += r.update.byteLength;
  return bytes <= MAX_BYTES_PER_INSERT;
}

/** The batch as one statement (see the header). Only the first of repeated pushes is sent. */
async function commitInOneStatement(client: SqlQueryable, requests: readonly CommitRequest[]): Promise<CommitOutcome[]> {
  const plan = planBatch(requests, () => undefined);
  const params: SqlParam[] = [];
  const tuples: string[] = [];
  plan.entries.forEach((entry, ord) => {
    if (entry.kind !== 'new') return;
    const r = requests[ord]!;
    const b = params.length;
    params.push(ord, r.tenant, r.doc, r.clientId, r.seq, r.actor, r.update);
    tuples.push(tuples.length === 0
      ? `($${b + 1}::int, $${b + 2}::text, $${b + 3}::text, $${b + 4}::text, $${b + 5}::bigint, $${b + 6}::text, $${b + 7}::bytea)`
      : `($${b + 1}, $${b + 2}, $${b + 3}, $${b + 4}, $${b + 5}, $${b + 6}, $${b + 7})`);
  });
  const rows = await client.query(
    `WITH k (ord, tenant, doc, client_id, seq, actor, bytes) AS (VALUES ${tuples.join(', ')}),
     stored AS (
       SELECT k.ord, u.version FROM k JOIN cairn_updates u ON u.tenant = k.tenant AND u.client_id = k.client_id AND u.seq = k.seq
       UNION ALL
       SELECT k.ord, 0 FROM k WHERE ${TRIMMED_SEQ('k')}
     ),
     fresh AS (
       SELECT k.*, row_number() OVER w AS rn, count(*) OVER w AS n
         FROM k WHERE k.ord NOT IN (SELECT ord FROM stored)
       WINDOW w AS (PARTITION BY k.tenant, k.doc ORDER BY k.ord ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)
     ),
     heads AS (
       INSERT INTO cairn_docs AS d (tenant, doc, head_version, bytes)
       SELECT tenant, doc, max(n), sum(octet_length(bytes)) FROM fresh GROUP BY tenant, doc ORDER BY tenant COLLATE "C", doc COLLATE "C"
       ON CONFLICT (tenant, doc) DO UPDATE
          SET head_version = d.head_version + EXCLUDED.head_version, bytes = d.bytes + EXCLUDED.bytes, updated_at = now()
       RETURNING d.tenant, d.doc, d.head_version
     ),
     planned AS (
       SELECT f.*, h.head_version - f.n + f.rn AS version
         FROM fresh f JOIN heads h ON h.tenant = f.tenant AND h.doc = f.doc
     ),
     inserted AS (
       INSERT INTO cairn_updates (${INSERT_COLUMNS.join(', ')})
       SELECT ${INSERT_COLUMNS.join(', ')} FROM planned
     )
     SELECT ord, version, true AS fresh FROM planned
     UNION ALL
     SELECT ord, version, false AS fresh FROM stored`,
    params,
  );
  const byOrd = new Map(rows.map((row) => [rowInt(row, 'ord'), { version: rowInt(row, 'version'), fresh: row['fresh'] === true }]));
  const outcomes: CommitOutcome[] = [];
  plan.entries.forEach((entry, i) => {
    if (entry.kind === 'repeat') {
      outcomes.push({ kind: 'duplicate', version: outcomes[entry.index]!.version });
      return;
    }
    const got = byOrd.get(i);
    assert(got !== undefined, 'the commit statement answered for every first push');
    outcomes.push(got.fresh ? { kind: 'committed', version: got.version } : { kind: 'duplicate', version: got.version });
  });
  return outcomes;
}

async function commitOnce(tx: SqlQueryable, requests: readonly CommitRequest[]): Promise<CommitOutcome[]> {
  const stored = await findStored(tx, requests);
  const plan = planBatch(requests, (key) => stored.get(key));
  // Each doc's new update bytes, which its row counts for the tenant's byte quota (migration 7).
  const newBytes = new Map<string, number>();
  plan.entries.forEach((entry, i) => {
    if (entry.kind === 'new') newBytes.set(entry.docKey, (newBytes.get(entry.docKey) ?? 0) + requests[i]!.update.byteLength);
  });
  const heads = await bumpHeads(tx, plan.docs, newBytes);
  const outcomes = resolveOutcomes(plan, (dk) => {
    const first = heads.get(dk);
    assert(first !== undefined, 'every doc with new rows had its head bumped');
    return first;
  });
  const fresh: { request: CommitRequest; version: number }[] = [];
  plan.entries.forEach((entry, i) => {
    if (entry.kind === 'new') fresh.push({ request: requests[i]!, version: outcomes[i]!.version });
  });
  await insertRows(tx, fresh);
  return outcomes;
}

async function findStored(tx: SqlQueryable, requests: readonly CommitRequest[]): Promise<Map<string, number>> {
  const rows = await tx.query(
    `SELECT u.tenant, u.client_id, u.seq, u.version
       FROM unnest($1::text[], $2::text[], $3::bigint[]) AS k(tenant, client_id, seq)
       JOIN cairn_updates u ON u.tenant = k.tenant AND u.client_id = k.client_id AND u.seq = k.seq
     UNION ALL
     SELECT k.tenant, k.client_id, k.seq, 0
       FROM unnest($1::text[], $2::text[], $3::bigint[]) AS k(tenant, client_id, seq) WHERE ${TRIMMED_SEQ('k')}`,
    [requests.map((r) => r.tenant), requests.map((r) => r.clientId), requests.map((r) => r.seq)],
  );
  return new Map(rows.map((row) => [
    pushKey(rowText(row, 'tenant'), rowText(row, 'client_id'), rowInt(row, 'seq')),
    rowInt(row, 'version'),
  ]));
}

/** Returns each doc's first new version. */
async function bumpHeads(tx: SqlQueryable, docs: readonly DocCount[], newBytes: ReadonlyMap<string, number>): Promise<Map<string, number>> {
  if (docs.length === 0) return new Map();
  const rows = await tx.query(
    `INSERT INTO cairn_docs AS d (tenant, doc, head_version, bytes)
     SELECT k.tenant, k.doc, k.n, k.bytes
       FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[]) WITH ORDINALITY AS k(tenant, doc, n, bytes, ord)
      ORDER BY k.ord
     ON CONFLICT (tenant, doc) DO UPDATE
        SET head_version = d.head_version + EXCLUDED.head_version, bytes = d.bytes + EXCLUDED.bytes, updated_at = now()
     RETURNING d.tenant, d.doc, d.head_version`,
    [docs.map((d) => d.tenant), docs.map((d) => d.doc), docs.map((d) => d.count), docs.map((d) => newBytes.get(d.docKey) ?? 0)],
  );
  const counts = new Map(docs.map((d) => [d.docKey, d.count]));
  const first = new Map<string, number>();
  for (const row of rows) {
    const key = docKey(rowText(row, 'tenant'), rowText(row, 'doc'));
    const count = counts.get(key);
    assert(count !== undefined, 'the upsert returned a doc it was not given');
    first.set(key, rowInt(row, 'head_version') - count + 1);
  }
  assert(first.size === docs.length, 'the upsert returned every doc once');
  return first;
}

async function insertRows(tx: SqlQueryable, rows: readonly { request: CommitRequest; version: number }[]): Promise<void> {
  let start = 0;
  while (start < rows.length) {
    let end = start;
    let bytes = 0;
    while (end < rows.length && end - start < MAX_ROWS_PER_INSERT) {
      const size = rows[end]!.request.update.byteLength;
      if (end > start && bytes + size > MAX_BYTES_PER_INSERT) break;
      bytes += size;
      end++;
    }
    const params: SqlParam[] = [];
    const tuples = rows.slice(start, end).map(({ request: r, version }) => {
      const base = params.length;
      params.push(r.tenant, r.doc, version, r.clientId, r.seq, r.actor, r.update);
      return `(${INSERT_COLUMNS.map((_, i) => `$${base + i + 1}`).join(', ')})`;
    });
    await tx.query(`INSERT INTO cairn_updates (${INSERT_COLUMNS.join(', ')}) VALUES ${tuples.join(', ')}`, params);
    start = end;
  }
}
