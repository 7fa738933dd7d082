/**
 * The Store in plain maps, for unit tests and simulations. Same contract as the SQL stores: it refuses
 * what the schema's constraints refuse, a refused batch stores nothing, and bytes are copied in and out so
 * a caller mutating its arrays cannot change what was committed.
 */
import { CairnError, spaceOf } from '@cairn/shared';
import { docKey, planBatch, pushKey, resolveOutcomes } from './batch-plan.js';
import type { ChangeRecord, CommitRequest, DeletionRecord, DocRef, DocSnapshot, HistoryFloor, LogRow, QuarantineRecord, Store, UpdateRecord } from './store.js';
import { historyTrimmed } from './history-trimmed.js';
import { inRanges, mergeSeqRanges, mergeSpan, type SeqRange } from './seq-ranges.js';
import { checkImportRows } from './sql-import.js';
import { newClientId } from '@cairn/shared';
import { createMemoryAnchorStore } from '../readmodel/memory-anchor-store.js';
import { createMemoryAudit } from './memory-audit.js';

interface DocLog {
  /** updates[i] is version i + 1, written by actors[i] from clientIds[i] at seqs[i], committed at times[i] (ms). */
  updates: Uint8Array[];
  actors: string[];
  clientIds: string[];
  seqs: number[];
  times: number[];
}

export interface MemoryStoreOptions {
  /** The clock that stamps commits (ms since the epoch), for history reads by time. Default Date.now. */
  now?: () => number;
}

/** What a trimmed row's bytes become: nothing is kept of it. */
const GONE = new Uint8Array(0);

function refOrder(a: DocRef, b: DocRef): number {
  const cmp = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);
  return cmp(a.tenant, b.tenant) || cmp(a.doc, b.doc);
}

function isCount(n: number): boolean {
  return Number.isSafeInteger(n) && n >= 0;
}

/** Mirrors the CHECK constraints and column types of migrations/001-init.ts. */
function refuse(request: CommitRequest): string | null {
  if (!isCount(request.seq)) return 'seq must be an integer ≥ 0';
  if (!(request.update instanceof Uint8Array)) return 'update must be bytes';
  return null;
}

export function createMemoryStore(options: MemoryStoreOptions = {}): Store {
  const now = options.now ?? Date.now;
  const logs = new Map<string, DocLog>();
  /** pushKey → version, for C1. */
  const pushes = new Map<string, number>();
  const snapshots = new Map<string, DocSnapshot>();
  /** JSON [tenant, clientId] → the subject whose claim came first (C5). */
  const owners = new Map<string, string>();
  /** docKey → version → the record and the row's original bytes, as cairn_quarantine keeps them. */
  const quarantined = new Map<string, Map<number, { record: QuarantineRecord; bytes: Uint8Array }>>();
  const audit = createMemoryAudit();
  /** L2: every deletion record, in the order made (restored and purged ones stay, as in cairn_deletions). */
  const deletions: DeletionRecord[] = [];
  const anchors = createMemoryAnchorStore(open);
  /** docKey → the doc's history floor (compaction); the log's rows at or below it hold GONE. */
  const floors = new Map<string, HistoryFloor>();
  /** JSON [tenant, clientId] → its trimmed seqs (seq-ranges.ts), for C1 once the rows are gone. */
  const trimmedSeqs = new Map<string, SeqRange[]>();
  let epoch = newClientId();
  let closed = false;

  function copyFloor(f: HistoryFloor): HistoryFloor {
    return { ...f, at: new Date(f.at), state: f.state.slice(), owners: new Map(f.owners) };
  }

  /** C1: the version a push was stored as; 0 if its row was trimmed (the version is gone with it). */
  function storedVersion(key: string): number | undefined {
    const version = pushes.get(key);
    if (version !== undefined) return version;
    const [tenant, clientId, seq] = JSON.parse(key) as [string, string, number];
    return inRanges(trimmedSeqs.get(JSON.stringify([tenant, clientId])) ?? [], seq) ? 0 : undefined;
  }

  function open(): void {
    if (closed) throw new CairnError('STORE_UNAVAILABLE', 'the store is closed');
  }

  /** A bigint parameter in SQL: any integer; only the snapshot column also has a CHECK ≥ 0. */
  function checkInteger(n: number, what: string): void {
    if (!Number.isSafeInteger(n)) throw new CairnError('BAD_REQUEST', `${what} must be an integer`);
  }

  /** The record of the doc (null: of the whole space) that is not restored, purged or not. */
  function inForce(tenant: string, space: string, doc: string | null): DeletionRecord | undefined {
    return deletions.find((d) => d.tenant === tenant && d.space === space && d.doc === doc && d.restoredAt === null);
  }

  return {
    kind: 'memory',

    async migrate() {
      open();
    },

    async commitBatch(requests) {
      open();
      for (const request of requests) {
        const reason = refuse(request);
        if (reason) throw new CairnError('BAD_REQUEST', reason);
      }
      // From here to the end nothing awaits, so the batch lands whole, like a transaction.
      const plan = planBatch(requests, storedVersion);
      // One time per batch, as SQL's now() is one per transaction.
      const at = Math.floor(now());
      const outcomes = resolveOutcomes(plan, (dk) => (logs.get(dk)?.updates.length ?? 0) + 1);
      plan.entries.forEach((entry, i) => {
        if (entry.kind !== 'new') return;
        const request = requests[i]!;
        let log = logs.get(entry.docKey);
        if (!log) logs.set(entry.docKey, (log = { updates: [], actors: [], clientIds: [], seqs: [], times: [] }));
        log.updates.push(request.update.slice());
        log.actors.push(request.actor);
        log.clientIds.push(request.clientId);
        log.seqs.push(request.seq);
        log.times.push(at);
        pushes.set(pushKey(request.tenant, request.clientId, request.seq), outcomes[i]!.version);
      });
      return outcomes;
    },

    async loadUpdates(tenant, doc, after, upTo) {
      open();
      checkInteger(after, 'after');
      if (upTo !== undefined) checkInteger(upTo, 'upTo');
      const floor = floors.get(docKey(tenant, doc));
      if (floor && after < floor.version && (upTo === undefined || upTo > after)) throw historyTrimmed(floor);
      const { updates, actors } = logs.get(docKey(tenant, doc)) ?? { updates: [], actors: [] };
      const end = Math.min(updates.length, upTo ?? updates.length);
      const out: UpdateRecord[] = [];
      for (let v = Math.max(after, 0) + 1; v <= end; v++) out.push({ version: v, update: updates[v - 1]!.slice(), actor: actors[v - 1]! });
      return out;
    },

    async tenantUsage(tenant) {
      open();
      let docs = 0;
      let bytes = 0;
      for (const [key, log] of logs) {
        if ((JSON.parse(key) as [string, string])[0] !== tenant || log.updates.length === 0) continue;
        docs++;
        for (const u of log.updates) bytes += u.byteLength;
      }
      return { docs, bytes };
    },

    async headVersion(tenant, doc) {
      open();
      return logs.get(docKey(tenant, doc))?.updates.length ?? 0;
    },

    async loadSnapshot(tenant, doc) {
      open();
      const snapshot = snapshots.get(docKey(tenant, doc));
      if (!snapshot) return null;
      const copy = { version: snapshot.version, state: snapshot.state.slice() };
      return snapshot.owners ? { ...copy, owners: new Map(snapshot.owners) } : copy;
    },

    async saveSnapshot(tenant, doc, snapshot) {
      open();
      if (!isCount(snapshot.version)) throw new CairnError('BAD_REQUEST', 'snapshot version must be an integer ≥ 0');
      const key = docKey(tenant, doc);
      const current = snapshots.get(key);
      if (current && current.version >= snapshot.version) return;
      const copy = { version: snapshot.version, state: snapshot.state.slice() };
      snapshots.set(key, snapshot.owners ? { ...copy, owners: new Map(snapshot.owners) } : copy);
    },

    async claimClient(tenant, clientId, subject) {
      open();
      const key = JSON.stringify([tenant, clientId]);
      const owner = owners.get(key);
      if (owner !== undefined) return owner;
      owners.set(key, subject);
      return subject;
    },

    async quarantine(tenant, doc, version, reason) {
      open();
      checkInteger(version, 'version');
      const key = docKey(tenant, doc);
      const trimmed = version <= (floors.get(key)?.version ?? 0);
      const bytes = trimmed ? undefined : logs.get(key)?.updates[version - 1];
      const records = quarantined.get(key) ?? new Map<number, { record: QuarantineRecord; bytes: Uint8Array }>();
      if (!bytes || version < 1 || records.has(version)) return false;
      records.set(version, { record: { tenant, doc, version, reason, size: bytes.byteLength, quarantinedAt: new Date(), droppedAt: null }, bytes: bytes.slice() });
      quarantined.set(key, records);
      return true;
    },

    async listQuarantined(tenant, doc) {
      open();
      const out: QuarantineRecord[] = [];
      for (const records of quarantined.values()) {
        for (const { record } of records.values()) {
          if ((tenant === undefined || record.tenant === tenant) && (doc === undefined || record.doc === doc)) out.push({ ...record });
        }
      }
      const byDoc = (a: QuarantineRecord, b: QuarantineRecord) => (a.tenant === b.tenant ? (a.doc < b.doc ? -1 : a.doc > b.doc ? 1 : 0) : a.tenant < b.tenant ? -1 : 1);
      return out.sort((a, b) => byDoc(a, b) || a.version - b.version);
    },

    async dropQuarantined(tenant, doc, version) {
      open();
      checkInteger(version, 'version');
      const key = docKey(tenant, doc);
      const entry = quarantined.get(key)?.get(version);
      if (!entry || entry.record.droppedAt !== null) return false;
      entry.record.droppedAt = new Date();
      // An empty update: the version stays (C2). A trimmed row is gone already.
      if (version > (floors.get(key)?.version ?? 0)) logs.get(key)!.updates[version - 1] = new Uint8Array([0, 0]);
      return true;
    },

    async listChanges(tenant, doc, after, limit) {
      open();
      checkInteger(after, 'after');
      checkInteger(limit, 'limit');
      if (limit < 0) throw new CairnError('BAD_REQUEST', 'limit must be ≥ 0');
      const key = docKey(tenant, doc);
      const log = logs.get(key);
      const out: ChangeRecord[] = [];
      if (!log) return out;
      for (let v = Math.max(after, floors.get(key)?.version ?? 0, 0) + 1; v <= log.updates.length && out.length < limit; v++) {
        out.push({
          version: v, committedAt: new Date(log.times[v - 1]!), actor: log.actors[v - 1]!, clientId: log.clientIds[v - 1]!,
          seq: log.seqs[v - 1]!, size: log.updates[v - 1]!.byteLength,
        });
      }
      return out;
    },

    async versionAt(tenant, doc, at) {
      open();
      const t = at.getTime();
      if (Number.isNaN(t)) throw new CairnError('BAD_REQUEST', 'the time is not a valid date');
      const floor = floors.get(docKey(tenant, doc));
      if (floor && t < floor.at.getTime()) throw historyTrimmed(floor);
      const times = logs.get(docKey(tenant, doc))?.times ?? [];
      // The longest prefix committed at or before t (store.ts): the row before the first one after it.
      const first = times.findIndex((ms) => ms > t);
      return first === -1 ? times.length : first;
    },

    async loadHistoryFloor(tenant, doc) {
      open();
      const floor = floors.get(docKey(tenant, doc));
      return floor ? copyFloor(floor) : null;
    },

    async importFloor(tenant, doc, floor) {
      open();
      if (!Number.isSafeInteger(floor.version) || floor.version < 1) throw new CairnError('BAD_REQUEST', 'a floor version is an integer ≥ 1');
      const key = docKey(tenant, doc);
      if ((logs.get(key)?.updates.length ?? 0) > 0 || floors.has(key)) return false;
      // The versions below the floor hold GONE, as a trim leaves them.
      const n = floor.version;
      logs.set(key, {
        updates: Array.from({ length: n }, () => GONE), actors: Array<string>(n).fill(''), clientIds: Array<string>(n).fill(''),
        seqs: Array<number>(n).fill(-1), times: Array<number>(n).fill(floor.at.getTime()),
      });
      floors.set(key, copyFloor(floor));
      return true;
    },
    async trimHistory(tenant, doc, base) {
      open();
      if (!Number.isSafeInteger(base.version) || base.version < 1) throw new CairnError('BAD_REQUEST', 'a floor version is an integer ≥ 1');
      const key = docKey(tenant, doc);
      const log = logs.get(key);
      const head = log?.updates.length ?? 0;
      if (base.version > head) throw new CairnError('BAD_REQUEST', `version ${base.version} is past the doc's head (${head})`);
      const old = floors.get(key);
      const from = old?.version ?? 0;
      if (base.version <= from) return { rows: 0, bytes: 0, floor: from };
      // From here to the end nothing awaits: the trim lands whole, like the SQL transaction.
      const byClient = new Map<string, number[]>();
      let bytes = 0;
      let at = old?.at.getTime() ?? 0;
      for (let i = from; i < base.version; i++) {
        bytes += log!.updates[i]!.byteLength;
        log!.updates[i] = GONE;
        pushes.delete(pushKey(tenant, log!.clientIds[i]!, log!.seqs[i]!));
        const seqs = byClient.get(log!.clientIds[i]!) ?? [];
        seqs.push(log!.seqs[i]!);
        byClient.set(log!.clientIds[i]!, seqs);
        at = Math.max(at, log!.times[i]!);
      }
      for (const [clientId, seqs] of byClient) {
        const ck = JSON.stringify([tenant, clientId]);
        const existing = trimmedSeqs.get(ck) ?? [];
        const span = mergeSpan(existing, seqs)!;
        const logSeqs: number[] = [];
        for (const k of pushes.keys()) {
          const [t, c, seq] = JSON.parse(k) as [string, string, number];
          if (t === tenant && c === clientId && seq >= span.lo && seq <= span.hi) logSeqs.push(seq);
        }
        trimmedSeqs.set(ck, mergeSeqRanges(existing, seqs, logSeqs));
      }
      const rows = base.version - from;
      floors.set(key, copyFloor({
        version: base.version, at: new Date(at), state: base.state, owners: base.owners,
        rowsTrimmed: (old?.rowsTrimmed ?? 0) + rows, bytesTrimmed: (old?.bytesTrimmed ?? 0) + bytes,
      }));
      return { rows, bytes, floor: base.version };
    },

    async listTrimmable({ before, limit, tenant, after }) {
      open();
      checkInteger(limit, 'limit');
      const out: DocRef[] = [];
      for (const [key, log] of logs) {
        const [t, doc] = JSON.parse(key) as [string, string];
        if (tenant !== undefined && t !== tenant) continue;
        if (after && refOrder({ tenant: t, doc }, after) <= 0) continue;
        const next = floors.get(key)?.version ?? 0;
        if (next < log.updates.length && log.times[next]! < before.getTime()) out.push({ tenant: t, doc });
      }
      return out.sort(refOrder).slice(0, Math.max(limit, 0));
    },

    async listDocs(tenant, space) {
      open();
      const out: string[] = [];
      for (const [key, log] of logs) {
        const [t, doc] = JSON.parse(key) as [string, string];
        if (t === tenant && doc.startsWith(`${space}/`) && log.updates.length > 0) out.push(doc);
      }
      return out.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    },

    async listTenantDocs(tenant) {
      open();
      const out: string[] = [];
      for (const [key, log] of logs) {
        const [t, doc] = JSON.parse(key) as [string, string];
        if (t === tenant && log.updates.length > 0) out.push(doc);
      }
      return out.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    },

    async exportRows(tenant, doc, after, limit) {
      open();
      checkInteger(after, 'after');
      checkInteger(limit, 'limit');
      if (limit < 0) throw new CairnError('BAD_REQUEST', 'limit must be ≥ 0');
      const log = logs.get(docKey(tenant, doc));
      const out: LogRow[] = [];
      for (let v = Math.max(after, 0) + 1; log && v <= log.updates.length && out.length < limit; v++) {
        out.push({
          version: v, clientId: log.clientIds[v - 1]!, seq: log.seqs[v - 1]!, actor: log.actors[v - 1]!,
          committedAt: new Date(log.times[v - 1]!), update: log.updates[v - 1]!.slice(),
        });
      }
      return out;
    },

    async importRows(tenant, doc, rows, { replace }) {
      open();
      checkImportRows(rows);
      if (rows.length === 0) return { added: 0, replacedFrom: null };
      const key = docKey(tenant, doc);
      const log = logs.get(key) ?? { updates: [], actors: [], clientIds: [], seqs: [], times: [] };
      const first = rows[0]!.version;
      let differsAt: number | null = null;
      for (let v = first; v <= Math.min(log.updates.length, rows[rows.length - 1]!.version); v++) {
        const r = rows[v - first]!;
        const u = log.updates[v - 1]!;
        const same = log.clientIds[v - 1] === r.clientId && log.seqs[v - 1] === r.seq && log.actors[v - 1] === r.actor &&
          u.byteLength === r.update.byteLength && u.every((b, i) => b === r.update[i]);
        if (!same) {
          differsAt = v;
          break;
        }
      }
      if (differsAt !== null && !replace) throw new CairnError('IMPORT_CONFLICT', `${doc} holds another row at version ${differsAt} (import with --replace to take the export's)`);
      const head = differsAt === null ? log.updates.length : differsAt - 1;
      const fresh = rows.filter((r) => r.version > head);
      if (fresh.length > 0 && fresh[0]!.version !== head + 1) {
        throw new CairnError('BAD_REQUEST', `${doc} is at version ${head}; imported rows must continue it, not start at ${fresh[0]!.version}`);
      }
      // C1 as the unique index checks it, with the replaced rows already gone; nothing is changed before.
      const dropped = new Set(log.clientIds.slice(head).map((c, i) => pushKey(tenant, c, log.seqs[head + i]!)));
      for (const r of fresh) {
        const k = pushKey(tenant, r.clientId, r.seq);
        if (pushes.has(k) && !dropped.has(k)) throw new CairnError('IMPORT_CONFLICT', `${doc}: a row's (clientId, seq) is stored at another doc or version`);
      }
      if (new Set(fresh.map((r) => pushKey(tenant, r.clientId, r.seq))).size !== fresh.length) {
        throw new CairnError('IMPORT_CONFLICT', `${doc}: two imported rows share a (clientId, seq)`);
      }
      for (const k of dropped) pushes.delete(k);
      for (const field of ['updates', 'actors', 'clientIds', 'seqs', 'times'] as const) log[field].length = head;
      if (differsAt !== null) {
        snapshots.delete(key);
        anchors.resetProgress(tenant, doc);
      }
      for (const r of fresh) {
        log.updates.push(r.update.slice());
        log.actors.push(r.actor);
        log.clientIds.push(r.clientId);
        log.seqs.push(r.seq);
        log.times.push(r.committedAt.getTime());
        pushes.set(pushKey(tenant, r.clientId, r.seq), r.version);
      }
      logs.set(key, log);
      return { added: fresh.length, replacedFrom: differsAt };
    },

    async epoch() {
      open();
      return epoch;
    },

    async newEpoch() {
      open();
      epoch = newClientId();
      return epoch;
    },

    async appendAudit(rows) {
      open();
      audit.append(rows);
    },

    async queryAudit(query) {
      open();
      return audit.query(query);
    },

    async deleteAuditBefore(before, limit) {
      open();
      return audit.deleteBefore(before, limit);
    },

    async markDeleted(tenant, space, doc, by, graceMs) {
      open();
      if (!Number.isFinite(graceMs) || graceMs < 0) throw new CairnError('BAD_REQUEST', 'the grace period must be ≥ 0 ms');
      const existing = inForce(tenant, space, doc);
      if (existing) return { ...existing };
      const at = now();
      const record: DeletionRecord = {
        tenant, space, doc, deletedAt: new Date(at), deletedBy: by, purgeAfter: new Date(at + graceMs), restoredAt: null, restoredBy: null, purgedAt: null,
      };
      deletions.push(record);
      return { ...record };
    },

    async restoreDeleted(tenant, space, doc, by) {
      open();
      const record = inForce(tenant, space, doc);
      if (!record || record.purgedAt) return null;
      record.restoredAt = new Date(now());
      record.restoredBy = by;
      return { ...record };
    },

    async deletionOf(tenant, doc) {
      open();
      const found = inForce(tenant, spaceOf(doc), null) ?? inForce(tenant, spaceOf(doc), doc);
      return found ? { ...found } : null;
    },

    async listDeletions(tenant, space) {
      open();
      const out = deletions.filter((d) => d.tenant === tenant && d.space === space && d.restoredAt === null).map((d) => ({ ...d }));
      return out.sort((a, b) => ((a.doc ?? '') < (b.doc ?? '') ? -1 : (a.doc ?? '') > (b.doc ?? '') ? 1 : 0));
    },

    async dueDeletions(at, limit) {
      open();
      return deletions
        .filter((d) => d.restoredAt === null && d.purgedAt === null && d.purgeAfter.getTime() <= at.getTime())
        .sort((a, b) => a.purgeAfter.getTime() - b.purgeAfter.getTime())
        .slice(0, limit)
        .map((d) => ({ ...d }));
    },

    async purgeDoc(tenant, doc) {
      open();
      const key = docKey(tenant, doc);
      const log = logs.get(key);
      logs.delete(key);
      snapshots.delete(key);
      floors.delete(key);
      quarantined.delete(key);
      anchors.purgeDoc(tenant, doc);
      if (!log) return 0;
      for (let i = 0; i < log.seqs.length; i++) pushes.delete(pushKey(tenant, log.clientIds[i]!, log.seqs[i]!));
      // A writer left with no row in the tenant's log loses its clientId binding (sql-deletions.ts says why).
      for (const clientId of new Set(log.clientIds)) {
        const wrote = [...logs].some(([k, l]) => (JSON.parse(k) as [string, string])[0] === tenant && l.clientIds.includes(clientId));
        if (!wrote) owners.delete(JSON.stringify([tenant, clientId]));
      }
      return log.updates.length;
    },

    async markPurged(tenant, space, doc) {
      open();
      const record = inForce(tenant, space, doc);
      if (!record || record.purgedAt) return false;
      record.purgedAt = new Date(now());
      return true;
    },

    // The anchor read model in maps of its own; it refuses calls once the store is closed.
    anchors,

    async ping() {
      open();
    },

    async close() {
      closed = true;
    },
  };
}
