/**
 * Per-tenant quotas (docs/OPERATIONS.md "Tenant quotas"): docs, stored update bytes, open connections.
 *
 * Docs and bytes are checked before a push is committed, against a per-tenant usage this node caches:
 * read from the Store (Store.tenantUsage, a sum over cairn_docs' counters) at the tenant's first push and
 * again once it is older than `refreshMs`, and in between raised by what this node commits. So no push
 * pays a query, and other nodes' commits show up within `refreshMs`: a tenant writing on N nodes at once
 * can overshoot a quota by what the other nodes commit in that window, never more. Pushes in flight on
 * this node reserve their bytes (and their new doc) until they settle, so a burst on one node cannot.
 *
 * A refusal is DOC_QUOTA_EXCEEDED or BYTE_QUOTA_EXCEEDED, not retryable: the push is never stored, the
 * client moves it to its dead letters with the code (O7), where the app can retry it once an operator
 * raised the quota. Nothing acked is touched. Connections are counted per node, like
 * CAIRN_MAX_CONNECTIONS: CONNECTION_QUOTA_EXCEEDED is retryable, the client reconnects after its backoff.
 */
import { CairnError } from '@cairn/shared';
import type { CommitOutcome, Store, TenantUsage } from '../store/store.js';

export interface QuotaLimits {
  /** Docs per tenant (a push that would create one more is refused). */
  docs?: number;
  /** Committed update bytes per tenant. */
  bytes?: number;
  /** Open sockets per tenant on one node. */
  connections?: number;
}

/** A push admitted under the quotas: settle it with its outcome (null: not committed). */
export interface QuotaTicket {
  settle(outcome: CommitOutcome | null): void;
}

export interface TenantQuotas {
  /**
   * Before a push is validated and committed. `createsDoc`: the doc has no committed version yet. Returns
   * the ticket, or a promise of it when the tenant's usage must be read first; throws (or rejects) with
   * DOC_QUOTA_EXCEEDED / BYTE_QUOTA_EXCEEDED.
   */
  admit(tenant: string, doc: string, bytes: number, createsDoc: boolean): QuotaTicket | Promise<QuotaTicket>;
  /** At hello: returns the release for the socket's close; throws CONNECTION_QUOTA_EXCEEDED. */
  connect(tenant: string): () => void;
}

interface Usage {
  stored: TenantUsage;
  readAt: number;
  reservedBytes: number;
  /** Docs with a push in flight that would create them. */
  newDocs: Map<string, number>;
}

const NO_TICKET: QuotaTicket = { settle() {} };
const DEFAULT_REFRESH_MS = 10_000;

export function createTenantQuotas(deps: { store: Pick<Store, 'tenantUsage'>; limits: QuotaLimits; refreshMs?: number; now?: () => number }): TenantQuotas {
  const { store, limits } = deps;
  const refreshMs = deps.refreshMs ?? DEFAULT_REFRESH_MS;
  const now = deps.now ?? (() => performance.now());
  const usage = new Map<string, Usage>();
  const reading = new Map<string, Promise<Usage>>();
  const connections = new Map<string, number>();
  const limitsStorage = limits.docs !== undefined || limits.bytes !== undefined;

  function read(tenant: string): Promise<Usage> {
    let pending = reading.get(tenant);
    if (!pending) {
      pending = store.tenantUsage(tenant).then((stored) => {
        // Updated in place: tickets in flight hold this object, and what they reserved stays reserved. One
        // that commits after the read is counted twice until the next read; a quota errs on the safe side.
        const held = usage.get(tenant);
        if (held) {
          held.stored = stored;
          held.readAt = now();
          return held;
        }
        const fresh: Usage = { stored, readAt: now(), reservedBytes: 0, newDocs: new Map() };
        usage.set(tenant, fresh);
        return fresh;
      });
      const settled = pending.finally(() => reading.delete(tenant));
      settled.catch(() => undefined);
      reading.set(tenant, settled);
    }
    return pending;
  }

  function check(u: Usage, doc: string, bytes: number, createsDoc: boolean): QuotaTicket {
    const newDoc = createsDoc && !u.newDocs.has(doc);
    if (limits.docs !== undefined && newDoc && u.stored.docs + u.newDocs.size >= limits.docs) {
      throw new CairnError('DOC_QUOTA_EXCEEDED', `the tenant holds ${u.stored.docs} of ${limits.docs} docs`);
    }
    if (limits.bytes !== undefined && u.stored.bytes + u.reservedBytes + bytes > limits.bytes) {
      throw new CairnError('BYTE_QUOTA_EXCEEDED', `the tenant stores ${u.stored.bytes} of ${limits.bytes} bytes`);
    }
    u.reservedBytes += bytes;
    if (createsDoc) u.newDocs.set(doc, (u.newDocs.get(doc) ?? 0) + 1);
    return {
      settle(outcome) {
        u.reservedBytes -= bytes;
        if (createsDoc) {
          const left = (u.newDocs.get(doc) ?? 1) - 1;
          if (left === 0) u.newDocs.delete(doc);
          else u.newDocs.set(doc, left);
        }
        if (outcome?.kind !== 'committed') return;
        u.stored.bytes += bytes;
        if (outcome.version === 1) u.stored.docs += 1;
      },
    };
  }

  return {
    admit(tenant, doc, bytes, createsDoc) {
      if (!limitsStorage) return NO_TICKET;
      const held = usage.get(tenant);
      if (held && now() - held.readAt < refreshMs) return check(held, doc, bytes, createsDoc);
      return read(tenant).then((u) => check(u, doc, bytes, createsDoc));
    },

    connect(tenant) {
      if (limits.connections === undefined) return () => undefined;
      const open = connections.get(tenant) ?? 0;
      if (open >= limits.connections) throw new CairnError('CONNECTION_QUOTA_EXCEEDED', `the tenant has ${open} open connections on this node`);
      connections.set(tenant, open + 1);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        const left = (connections.get(tenant) ?? 1) - 1;
        if (left === 0) connections.delete(tenant);
        else connections.set(tenant, left);
      };
    },
  };
}
