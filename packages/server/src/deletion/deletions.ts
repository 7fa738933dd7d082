/**
 * L2: deleting a doc or a whole space on this node, and hearing of deletions made on others.
 *
 *   live ──DELETE──► soft-deleted ──restore (within grace)──► live
 *                         │
 *                         └──grace over (doc-purger.ts)──► purged (the record stays: the name stays refused)
 *
 * While a doc is deleted every way in refuses it with DOC_DELETED: a room load asks `check` (rooms.ts
 * `refuse`), so pushes and subs through any node, and REST reads, are refused. A delete also retires the
 * rooms of the doc or space at once: their subscribers get `reject {doc, DOC_DELETED}` (native) or a 4035
 * close (`/y`), and the read model's replayed copies are dropped. Other nodes hear of it on the bus
 * (deletion-message.ts) and do the same; one that misses the message still refuses at its next room load,
 * and its rooms already loaded are retired when the bus reconnects (F2).
 */
import { CairnError, cellOfDocId } from '@cairn/shared';
import type { Bus } from '../bus/bus.js';
import type { Principal } from '../auth/principal.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { Logger } from '../log/logger.js';
import type { DeletionRecord, Store } from '../store/store.js';
import { DELETIONS_CHANNEL, decodeDeletionMessage, encodeDeletionMessage, type DeletionMessage } from './deletion-message.js';

export const DAY_MS = 86_400_000;

export interface Deletions {
  /** Soft-deletes the doc (the whole space, `doc` null) and returns the record in force. */
  remove(principal: Principal, space: string, doc: string | null): Promise<DeletionRecord>;
  /** Ends a soft deletion; NOT_FOUND when none is in force, DOC_DELETED when it was purged already. */
  restore(principal: Principal, space: string, doc: string | null): Promise<DeletionRecord>;
  /** The records in force in the space, the space's own first. */
  list(tenant: string, space: string): Promise<DeletionRecord[]>;
  /** Rejects with DOC_DELETED if the doc or its space is deleted (soft or purged). */
  check(tenant: string, doc: string): Promise<void>;
  /** Rejects with DOC_DELETED if the whole space is deleted. */
  checkSpace(tenant: string, space: string): Promise<void>;
  /**
   * Rejects with DOC_DELETED if the whole space is deleted; else the cells whose cell doc is deleted, whose
   * anchors a space-wide read leaves out (their read-model rows stay until the purge).
   */
  deletedCells(tenant: string, space: string): Promise<ReadonlySet<string>>;
  /** A purge of this node's (doc-purger.ts) is done: tells every node to drop what it may still hold. */
  purged(record: DeletionRecord): void;
  /** Follows the bus channel; resolves once following (or once the bus is down: it follows at reconnect). */
  start(): Promise<void>;
  close(): Promise<void>;
}

export interface DeletionsOptions {
  store: Pick<Store, 'markDeleted' | 'restoreDeleted' | 'deletionOf' | 'listDeletions'>;
  bus: Pick<Bus, 'publish' | 'subscribe' | 'unsubscribe' | 'onReconnect'>;
  nodeId: string;
  /** Days between a delete and its purge (CAIRN_DELETE_GRACE_DAYS). */
  graceDays: number;
  /** Drops this node's rooms and cached copies of the doc or space (rooms.retire, readModel.forget). */
  retire(tenant: string, space: string, doc: string | null): void;
  /** Every doc this node holds a room for, to re-check after a bus outage. */
  held(): Iterable<{ tenant: string; doc: string }>;
  audit: Pick<AuditLog, 'record'>;
  log: Logger;
}

export function createDeletions(o: DeletionsOptions): Deletions {
  const refusal = (record: DeletionRecord) =>
    new CairnError('DOC_DELETED', record.doc === null ? `space ${record.space} was deleted` : `${record.doc} was deleted`);

  function publish(m: Omit<DeletionMessage, 'nodeId'>): void {
    o.bus.publish(DELETIONS_CHANNEL, encodeDeletionMessage({ ...m, nodeId: o.nodeId })).catch((err: unknown) => {
      // Lost on the bus: other nodes still refuse at their next room load, and after their reconnect (F2).
      o.log.warn({ err: err instanceof Error ? err.message : String(err) }, 'deletion not published; other nodes learn it at their next room load');
    });
  }

  const onMessage = (bytes: Uint8Array) => {
    const m = decodeDeletionMessage(bytes);
    if (!m || m.nodeId === o.nodeId || m.kind === 'restored') return; // a restore leaves nothing to drop
    o.retire(m.tenant, m.space, m.doc);
  };

  // After a bus outage the messages of meanwhile are lost: re-check every room this node holds.
  const stopReconnect = o.bus.onReconnect(() => {
    for (const { tenant, doc } of [...o.held()]) {
      o.store.deletionOf(tenant, doc).then(
        (record) => record && o.retire(tenant, record.space, record.doc),
        (err: unknown) => o.log.warn({ err: err instanceof Error ? err.message : String(err), doc }, 'deletion re-check failed'),
      );
    }
  });

  return {
    async remove(p, space, doc) {
      const record = await o.store.markDeleted(p.tenant, space, doc, p.subject, Math.round(o.graceDays * DAY_MS));
      o.retire(p.tenant, space, doc);
      publish({ kind: 'deleted', tenant: p.tenant, space, doc });
      o.audit.record({
        action: 'delete', tenant: p.tenant, subject: p.subject, space, ...(doc !== null ? { doc } : {}),
        detail: { scope: doc === null ? 'space' : 'doc', purgeAfter: record.purgeAfter.toISOString() },
      });
      return record;
    },
    async restore(p, space, doc) {
      const record = await o.store.restoreDeleted(p.tenant, space, doc, p.subject);
      if (!record) {
        const inForce = (await o.store.listDeletions(p.tenant, space)).find((d) => d.doc === doc);
        if (inForce?.purgedAt) throw new CairnError('DOC_DELETED', 'it was purged; a purge cannot be undone');
        throw new CairnError('NOT_FOUND', doc === null ? `space ${space} is not deleted` : `${doc} is not deleted`);
      }
      publish({ kind: 'restored', tenant: p.tenant, space, doc });
      o.audit.record({ action: 'restore', tenant: p.tenant, subject: p.subject, space, ...(doc !== null ? { doc } : {}), detail: { scope: doc === null ? 'space' : 'doc' } });
      return record;
    },
    list: (tenant, space) => o.store.listDeletions(tenant, space),
    async check(tenant, doc) {
      const record = await o.store.deletionOf(tenant, doc);
      if (record) throw refusal(record);
    },
    async checkSpace(tenant, space) {
      const record = (await o.store.listDeletions(tenant, space)).find((d) => d.doc === null);
      if (record) throw refusal(record);
    },
    async deletedCells(tenant, space) {
      const records = await o.store.listDeletions(tenant, space);
      const whole = records.find((d) => d.doc === null);
      if (whole) throw refusal(whole);
      const cells = new Set<string>();
      for (const d of records) {
        const cell = d.doc === null ? null : cellOfDocId(d.doc);
        if (cell) cells.add(cell.cell);
      }
      return cells;
    },
    purged(record) {
      o.retire(record.tenant, record.space, record.doc);
      publish({ kind: 'purged', tenant: record.tenant, space: record.space, doc: record.doc });
    },
    async start() {
      await o.bus.subscribe(DELETIONS_CHANNEL, onMessage).catch(() => undefined); // active again at reconnect
    },
    async close() {
      stopReconnect();
      await o.bus.unsubscribe(DELETIONS_CHANNEL, onMessage);
    },
  };
}
