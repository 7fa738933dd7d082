/**
 * The in-memory replica: used when the app asks for no persistence, when IndexedDB cannot be opened, and
 * after a storage failure (O6), seeded with what the failed replica held. It is a replica of its own:
 * a fresh clientId, and the carried-over outbox renumbered under it (see replica.ts for why).
 */
import * as Y from 'yjs';
import { newClientId } from '@cairn/shared';
import { isCellDoc, pickEvictions } from './eviction.js';
import type { DeadLetter, LocalWrite, OutboxRow, ReplicaStore } from './replica-store.js';

export interface MemorySeed {
  clientId: string;
  compactThreshold: number;
  docs?: ReadonlyMap<string, Uint8Array>;
  versions?: ReadonlyMap<string, number>;
  /** Pending updates in seq order; they get new seqs here, after the highest dead-letter seq. */
  outbox?: readonly Omit<OutboxRow, 'seq'>[];
  deadLetters?: readonly DeadLetter[];
  alignments?: ReadonlyMap<string, unknown>;
}

export function createMemoryStore(seed: MemorySeed): ReplicaStore {
  const docs = new Map<string, Uint8Array[]>();
  const versions = new Map(seed.versions ?? []);
  /** L3: the epoch each doc's version counts in (not carried over a switch: the version check remains). */
  const epochs = new Map<string, string>();
  const outbox = new Map<number, OutboxRow>(); // insertion order is seq order: seqs only grow
  const dead = new Map<number, DeadLetter>();
  const alignments = new Map(seed.alignments ?? []);
  const visits = new Map<string, number>();
  // Dead letters keep their seqs (the app may hold them); new seqs start above them so keys never clash.
  let lastSeq = 0;
  let clientId = seed.clientId;
  for (const d of seed.deadLetters ?? []) {
    dead.set(d.seq, d);
    lastSeq = Math.max(lastSeq, d.seq);
  }
  for (const [doc, state] of seed.docs ?? []) docs.set(doc, [state]);
  for (const row of seed.outbox ?? []) {
    lastSeq++;
    outbox.set(lastSeq, { ...row, seq: lastSeq });
  }

  function append(doc: string, update: Uint8Array): void {
    const rows = docs.get(doc) ?? [];
    rows.push(update);
    docs.set(doc, rows.length > seed.compactThreshold ? [Y.mergeUpdates(rows)] : rows);
  }

  const store: ReplicaStore = {
    persistent: false,
    clientId: async () => clientId,
    async renewClientId(taken) {
      if (clientId === taken) clientId = newClientId();
      return clientId;
    },
    loadDoc: async (doc) => [...(docs.get(doc) ?? [])],
    // Nothing survives a reload here, so there is no next open to save a cell index for.
    loadDocMarked: async (doc) => ({ rows: [...(docs.get(doc) ?? [])], mark: null }),
    loadCellIndex: async () => null,
    saveCellIndex: async () => undefined,
    async writeLocal(writes: readonly LocalWrite[], at) {
      return writes.map((w) => {
        append(w.doc, w.update);
        lastSeq++;
        outbox.set(lastSeq, { seq: lastSeq, doc: w.doc, update: w.update, createdAt: at });
        return lastSeq;
      });
    },
    async writeRemote(doc, update, version) {
      if (update) append(doc, update);
      if (version !== null && version > (versions.get(doc) ?? 0)) versions.set(doc, version);
    },
    async writeRemotes(writes) {
      for (const w of writes) await store.writeRemote(w.doc, w.update, w.version);
    },
    docVersion: async (doc) => versions.get(doc) ?? 0,
    syncMark: async (doc) => ({ version: versions.get(doc) ?? 0, epoch: epochs.get(doc) ?? null }),
    async setSyncMark(doc, mark) {
      versions.set(doc, mark.version);
      if (mark.epoch === null) epochs.delete(doc);
      else epochs.set(doc, mark.epoch);
    },
    docsMarkedBefore: async (epoch) => [...epochs].filter(([, e]) => e !== epoch).map(([doc]) => doc),
    outboxAfter: async (seq) => [...outbox.values()].filter((r) => r.seq > seq),
    outboxSize: async () => outbox.size,
    async ack(seq) {
      for (const key of outbox.keys()) {
        if (key > seq) break;
        outbox.delete(key);
      }
    },
    async deadLetter(seq, code, message, at) {
      const row = outbox.get(seq);
      if (!row) return null;
      outbox.delete(seq);
      const letter: DeadLetter = { seq, doc: row.doc, update: row.update, code, message, at };
      dead.set(seq, letter);
      return letter;
    },
    deadLetters: async () => [...dead.values()].sort((a, b) => a.seq - b.seq),
    async retryDeadLetter(seq, at) {
      const letter = dead.get(seq);
      if (!letter) return null;
      dead.delete(seq);
      lastSeq++;
      outbox.set(lastSeq, { seq: lastSeq, doc: letter.doc, update: letter.update, createdAt: at });
      return lastSeq;
    },
    discardDeadLetter: async (seq) => dead.delete(seq),
    async dropDoc(doc, code, message, at) {
      const held = docs.delete(doc) || versions.delete(doc);
      versions.delete(doc);
      const letters: DeadLetter[] = [];
      for (const row of [...outbox.values()]) {
        if (row.doc !== doc) continue;
        outbox.delete(row.seq);
        const letter: DeadLetter = { seq: row.seq, doc, update: row.update, code, message, at };
        dead.set(row.seq, letter);
        letters.push(letter);
      }
      return { held, letters };
    },
    loadAlignment: async (space) => alignments.get(space),
    async saveAlignment(space, record) {
      if (record) alignments.set(space, record);
      else alignments.delete(space);
    },
    async dump() {
      const merged = new Map([...docs].map(([doc, rows]) => [doc, Y.mergeUpdates(rows)] as const));
      return { docs: merged, versions: new Map(versions), outbox: [...outbox.values()], deadLetters: [...dead.values()], alignments: new Map(alignments) };
    },
    async visit(list, at) {
      for (const doc of list) visits.set(doc, at);
    },
    async evict(rule) {
      const pending = new Set([...outbox.values(), ...dead.values()].map((r) => r.doc));
      const stored = [...docs.keys()].filter(isCellDoc);
      const stamp = rule.now;
      if (stamp !== null) for (const doc of stored) if (!visits.has(doc)) visits.set(doc, stamp);
      const gone = pickEvictions(stored.map((doc) => ({ doc, visitedAt: visits.get(doc) ?? -Infinity, pending: pending.has(doc) })), rule);
      let bytes = 0;
      for (const doc of gone) {
        for (const row of docs.get(doc) ?? []) bytes += row.byteLength;
        docs.delete(doc);
        versions.delete(doc);
        visits.delete(doc);
      }
      return { docs: gone, bytes };
    },
    async adopt(h) {
      for (const seq of h.dropOutbox) outbox.delete(seq);
      for (const seq of h.dropDeadLetters) dead.delete(seq);
      for (const [doc, state] of h.docs) append(doc, state);
      for (const [doc, version] of h.versions) if (h.docs.has(doc) && version > (versions.get(doc) ?? 0)) versions.set(doc, version);
      for (const row of h.outbox) outbox.set(++lastSeq, { ...row, seq: lastSeq });
      for (const letter of h.deadLetters) dead.set(++lastSeq, { ...letter, seq: lastSeq });
      for (const space of h.dropAlignments) alignments.delete(space);
      for (const [space, value] of h.alignments) alignments.set(space, value);
    },
    compacted: async () => undefined,
    close: async () => undefined,
  };
  return store;
}
