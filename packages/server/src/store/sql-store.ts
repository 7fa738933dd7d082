/**
 * The Store on SQL, written once for Postgres and PGlite (same SQL, different clients; see sql-client.ts).
 * The adapters in pg-store.ts and pglite-store.ts only open a client and hand it here.
 */
import { runMigrations } from './migrate.js';
import { commitBatchSql } from './sql-commit.js';
import { assert } from '@cairn/shared';
import { dropQuarantinedSql, listQuarantinedSql, quarantineSql } from './sql-quarantine.js';
import { rowBytes, rowInt, rowText, type SqlClient } from './sql-client.js';
import { guard } from './store-error.js';
import { listChangesSql, listDocsSql, versionAtSql } from './sql-history.js';
import { deletionOfSql, dueDeletionsSql, listDeletionsSql, markDeletedSql, markPurgedSql, purgeDocSql, restoreDeletedSql } from './sql-deletions.js';
import { importFloorSql, listTrimmableSql, loadHistoryFloorSql, loadUpdatesSql, trimHistorySql } from './sql-trim.js';
import { epochSql, exportRowsSql, importRowsSql, listTenantDocsSql, newEpochSql } from './sql-import.js';
import { appendAuditSql, deleteAuditBeforeSql, queryAuditSql } from './sql-audit.js';
import { decodeSnapshotOwners, encodeSnapshotOwners } from './snapshot-owners.js';
import type { Store } from './store.js';
import { createSqlAnchorStore } from '../readmodel/sql-anchor-store.js';

export interface SqlStoreOptions {
  kind: 'postgres' | 'pglite';
  /** The schema the client's search_path points at; migrate() creates it if missing. */
  schema?: string;
}

export function createSqlStore(client: SqlClient, options: SqlStoreOptions): Store {
  let closed: Promise<void> | null = null;
  return {
    kind: options.kind,

    migrate: () => guard(() => runMigrations(client, options.schema === undefined ? {} : { schema: options.schema }), false),

    commitBatch: (requests) => guard(() => commitBatchSql(client, requests)),

    loadUpdates: (tenant, doc, after, upTo) => guard(() => client.forTenant(tenant, (q) => loadUpdatesSql(q, tenant, doc, after, upTo))),

    headVersion: (tenant, doc) =>
      guard(async () => {
        const [row] = await client.forTenant(tenant, (q) => q.query('SELECT head_version FROM cairn_docs WHERE tenant = $1 AND doc = $2', [tenant, doc]));
        return row ? rowInt(row, 'head_version') : 0;
      }),

    tenantUsage: (tenant) =>
      guard(async () => {
        const [row] = await client.forTenant(tenant, (q) =>
          q.query('SELECT count(*) AS docs, coalesce(sum(bytes), 0) AS bytes FROM cairn_docs WHERE tenant = $1', [tenant]));
        return { docs: rowInt(row ?? {}, 'docs'), bytes: rowInt(row ?? {}, 'bytes') };
      }),

    loadSnapshot: (tenant, doc) =>
      guard(async () => {
        const [row] = await client.forTenant(tenant, (q) =>
          q.query('SELECT version, state, owners FROM cairn_snapshots WHERE tenant = $1 AND doc = $2', [tenant, doc]));
        if (!row) return null;
        const snapshot = { version: rowInt(row, 'version'), state: rowBytes(row, 'state') };
        return row['owners'] === null ? snapshot : { ...snapshot, owners: decodeSnapshotOwners(rowBytes(row, 'owners')) };
      }),

    saveSnapshot: (tenant, doc, snapshot) =>
      guard(async () => {
        // The WHERE makes an older (or equal) snapshot a no-op even when two nodes compact at once.
        await client.forTenant(tenant, (q) => q.query(
          `INSERT INTO cairn_snapshots AS s (tenant, doc, version, state, owners) VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (tenant, doc) DO UPDATE SET version = EXCLUDED.version, state = EXCLUDED.state, owners = EXCLUDED.owners, created_at = now()
            WHERE s.version < EXCLUDED.version`,
          [tenant, doc, snapshot.version, snapshot.state, snapshot.owners ? encodeSnapshotOwners(snapshot.owners) : null],
        ));
      }),

    claimClient: (tenant, clientId, subject) =>
      guard(() => client.forTenant(tenant, async (q) => {
        // Two statements on purpose: a claim that loses a race waits in the INSERT for the winner's commit,
        // and only a later statement's snapshot sees the winner's row.
        const [won] = await q.query(
          `INSERT INTO cairn_client_owners (tenant, client_id, subject) VALUES ($1, $2, $3)
           ON CONFLICT (tenant, client_id) DO NOTHING RETURNING subject`,
          [tenant, clientId, subject],
        );
        if (won) return rowText(won, 'subject');
        const [owner] = await q.query('SELECT subject FROM cairn_client_owners WHERE tenant = $1 AND client_id = $2', [tenant, clientId]);
        assert(owner !== undefined, 'a clientId that could not be claimed has an owner');
        return rowText(owner, 'subject');
      })),

    quarantine: (tenant, doc, version, reason) => guard(() => client.forTenant(tenant, (q) => quarantineSql(q, tenant, doc, version, reason))),

    // Without a tenant it is the operator's cross-tenant listing (the quarantine CLI).
    listQuarantined: (tenant, doc) =>
      guard(() => (tenant === undefined ? listQuarantinedSql(client, tenant, doc) : client.forTenant(tenant, (q) => listQuarantinedSql(q, tenant, doc)))),

    dropQuarantined: (tenant, doc, version) => guard(() => dropQuarantinedSql(client, tenant, doc, version)),

    listChanges: (tenant, doc, after, limit) => guard(() => client.forTenant(tenant, (q) => listChangesSql(q, tenant, doc, after, limit))),

    versionAt: (tenant, doc, at) => guard(() => client.forTenant(tenant, (q) => versionAtSql(q, tenant, doc, at))),

    loadHistoryFloor: (tenant, doc) => guard(() => client.forTenant(tenant, (q) => loadHistoryFloorSql(q, tenant, doc))),

    importFloor: (tenant, doc, floor) => guard(() => importFloorSql(client, tenant, doc, floor)),

    trimHistory: (tenant, doc, base) => guard(() => trimHistorySql(client, tenant, doc, base)),

    listTrimmable: (query) => guard(() => listTrimmableSql(client, query)),

    listDocs: (tenant, space) => guard(() => client.forTenant(tenant, (q) => listDocsSql(q, tenant, space))),

    listTenantDocs: (tenant) => guard(() => client.forTenant(tenant, (q) => listTenantDocsSql(q, tenant))),

    exportRows: (tenant, doc, after, limit) => guard(() => client.forTenant(tenant, (q) => exportRowsSql(q, tenant, doc, after, limit))),

    importRows: (tenant, doc, rows, { replace }) => guard(() => importRowsSql(client, tenant, doc, rows, replace)),

    epoch: () => guard(() => epochSql(client), false),

    newEpoch: () => guard(() => newEpochSql(client), false),

    appendAudit: (rows) => guard(() => appendAuditSql(client, rows)),

    queryAudit: (query) => guard(() => queryAuditSql(client, query)),

    deleteAuditBefore: (before, limit) => guard(() => deleteAuditBeforeSql(client, before, limit)),

    markDeleted: (tenant, space, doc, by, graceMs) => guard(() => client.forTenant(tenant, (q) => markDeletedSql(q, tenant, space, doc, by, graceMs))),

    restoreDeleted: (tenant, space, doc, by) => guard(() => client.forTenant(tenant, (q) => restoreDeletedSql(q, tenant, space, doc, by))),

    deletionOf: (tenant, doc) => guard(() => client.forTenant(tenant, (q) => deletionOfSql(q, tenant, doc))),

    listDeletions: (tenant, space) => guard(() => client.forTenant(tenant, (q) => listDeletionsSql(q, tenant, space))),

    // Cross-tenant, like the quarantine CLI: the purge schedule serves every tenant.
    dueDeletions: (now, limit) => guard(() => dueDeletionsSql(client, now, limit)),

    // One transaction per doc, on the cross-tenant connection as the quarantine drop (every statement names the tenant).
    purgeDoc: (tenant, doc) => guard(() => client.transaction((tx) => purgeDocSql(tx, tenant, doc))),

    markPurged: (tenant, space, doc) => guard(() => client.forTenant(tenant, (q) => markPurgedSql(q, tenant, space, doc))),

    // The anchor read model shares the client; its SQL lives in readmodel/.
    anchors: createSqlAnchorStore(client),

    ping: () =>
      guard(async () => {
        await client.query('SELECT 1');
      }, false),

    close() {
      closed ??= client.close();
      return closed;
    },
  };
}
