/**
 * C3/C4, seeded fuzz: mutated real updates and generated ones go through the commit path's validation
 * against a live room on the memory store. Each must be refused with INVALID_UPDATE, or be stored and then
 * leave the doc whole: the live room applies it and delivers it and the next honest update to its
 * subscriber, nothing is quarantined, and a cold room loaded from the log reaches the same state (M1).
 * Honest updates (edits of two peers, their merges and full-state snapshots) must always pass.
 *
 * `SEED=n` reproduces a run; `FUZZ_COUNT=k` sets the number of hostile updates (CI 50,000, a few seconds;
 * nightly e.g. 500,000). A failure names its seed, the case index and the update's bytes; FUZZ_DUMP=file
 * also writes the doc's log. About one hostile update in nine is accepted (it applies cleanly: mutations
 * that land in content bytes, duplicates of what the doc holds, items under a fresh client id).
 */
import { writeFileSync } from 'node:fs';
import * as Y from 'yjs';
import { describe, expect, it } from 'vitest';
import { CairnError } from '@cairn/shared';
import { createMemoryStore, type Store } from '@cairn/server';
import { createRoom, type Room } from '../../packages/server/src/room/room.js';
import { validateUpdate } from '../../packages/server/src/commit/validate-update.js';
import { prng, type Prng } from '../support/prng.js';
import { generate, mutate } from '../support/update-mutations.js';

const SEED = process.env.SEED ? Number(process.env.SEED) : Date.now() % 2 ** 31;
const COUNT = Number(process.env.FUZZ_COUNT ?? 50_000);
/** Hostile updates per room: a fresh store and room after that many keep the log (and cold loads) short. */
const PER_ROOM = 100;
const T = 't';
const D = 'space/doc';

interface Peers {
  docs: Y.Doc[];
  /** Honest updates seen so far (the mutation pool). */
  pool: Uint8Array[];
}

function freshPeers(r: Prng): Y.Doc[] {
  return [0, 1].map((i) => {
    const d = new Y.Doc();
    d.clientID = 100 + i + r.int(1000) * 2;
    return d;
  });
}

/** An honest edit by one peer, applied to the other peers too; returns the update. */
function honestEdit(r: Prng, peers: Peers): Uint8Array {
  const doc = r.pick(peers.docs);
  let update: Uint8Array = new Uint8Array([0, 0]);
  const take = (u: Uint8Array) => (update = u);
  doc.on('update', take);
  const t = doc.getText('t');
  const a = doc.getArray<unknown>('a');
  doc.transact(() => edit(r, doc, t, a));
  doc.off('update', take);
  for (const other of peers.docs) if (other !== doc) Y.applyUpdate(other, update);
  peers.pool.push(update);
  if (peers.pool.length > 60) peers.pool.splice(0, 20);
  return update;
}

function edit(r: Prng, doc: Y.Doc, t: Y.Text, a: Y.Array<unknown>): void {
  switch (r.int(7)) {
    case 0:
      doc.getMap('m').set(`k${r.int(6)}`, r.int(1000));
      break;
    case 1:
      t.insert(r.int(t.length + 1), 'abc'.slice(0, 1 + r.int(3)), r.chance(0.3) ? { bold: true } : {});
      break;
    case 2:
      if (t.length > 0) t.delete(r.int(t.length), 1 + r.int(Math.min(3, t.length)));
      else t.insert(0, 'z');
      break;
    case 3:
      a.insert(r.int(a.length + 1), [r.int(100), 'v']);
      break;
    case 4: {
      const inner = new Y.Map<unknown>();
      doc.getMap('m').set(`n${r.int(3)}`, inner);
      inner.set('p', [r.int(9), r.int(9), r.int(9)]);
      break;
    }
    case 5:
      if (a.length > 0) a.delete(r.int(a.length), 1);
      else a.push([1]);
      break;
    default:
      if (t.length > 1) t.format(r.int(t.length - 1), 1, { italic: r.chance(0.5) ? true : null });
      else t.insert(0, 'q');
  }
}

/** mapUpdate under a Yjs clientID from the PRNG: a doc's random clientID made runs of one SEED differ. */
function seededMapUpdate(r: Prng, key: string, value: unknown): Uint8Array {
  const doc = new Y.Doc();
  doc.clientID = 5000 + r.int(1_000_000);
  let update: Uint8Array = new Uint8Array();
  doc.on('update', (u: Uint8Array) => (update = u));
  doc.getMap('m').set(key, value);
  doc.destroy();
  return update;
}

/** A real update to mutate: a recent edit, a merge of a few, a full-state snapshot, or a fresh map update. */
function seedUpdate(r: Prng, peers: Peers): Uint8Array {
  const roll = r.int(10);
  if (roll === 0) return Y.encodeStateAsUpdate(r.pick(peers.docs));
  if (roll === 1) return seededMapUpdate(r, `k${r.int(5)}`, r.int(50));
  if (roll === 2 && peers.pool.length > 2) return Y.mergeUpdates([r.pick(peers.pool), r.pick(peers.pool), r.pick(peers.pool)]);
  return r.pick(peers.pool);
}

/**
 * True if a hostile update wrote clocks of this honest update's client first: the doc holds them, or holds
 * items of that client waiting (pending) for the clocks in between.
 */
function squatted(doc: Y.Doc, update: Uint8Array): boolean {
  const state = stateOf(doc);
  const pending = doc.store.pendingStructs ? Y.decodeUpdateV2(doc.store.pendingStructs.update).structs : [];
  return Y.decodeUpdate(update).structs.some((s) => s.id.clock < (state.get(s.id.client) ?? 0) || pending.some((p) => p.id.client === s.id.client));
}

function stateOf(doc: Y.Doc): Map<number, number> {
  return Y.decodeStateVector(Y.encodeStateVector(doc));
}

const hex = (u: Uint8Array) => Buffer.from(u).toString('hex');

describe(`update fuzz (SEED=${SEED}, FUZZ_COUNT=${COUNT})`, () => {
  it('C4: every hostile update is refused with INVALID_UPDATE, or stored and its doc still loads and delivers', async () => {
    const r = prng(SEED);
    const tally = { accepted: 0, refused: 0, broke: 0, squatted: 0 };
    const failures: string[] = [];
    let done = 0;
    while (done < COUNT && failures.length === 0) {
      const store: Store = createMemoryStore();
      const quarantined: string[] = [];
      const observer = { repaired() {}, applied() {}, quarantined: (_t: string, _d: string, v: number, reason: string) => void quarantined.push(`${v}: ${reason}`) };
      const room: Room = createRoom({ tenant: T, doc: D, store, observer });
      await room.ready;
      const delivered: number[] = [];
      room.subscribe({ update: (v) => void delivered.push(v) });
      let seq = 0;
      const commit = async (update: Uint8Array): Promise<number> => {
        const [outcome] = await store.commitBatch([{ tenant: T, doc: D, clientId: 'fuzz', seq: seq++, actor: 'fuzz', update }]);
        room.applyCommitted(outcome!.version, update);
        return outcome!.version;
      };
      /**
       * An honest peer's edit, committed. Refused only if a hostile update already took clocks of that
       * peer's client (anyone may write under any Yjs client id): then the next edit is tried.
       */
      const honest = async (): Promise<number> => {
        for (;;) {
          const update = honestEdit(r, peers);
          if (squatted(room.ydoc, update)) {
            // The room holds other items under these clocks, and would refuse or skip them: the peers
            // start over as new clients.
            tally.squatted++;
            for (const d of peers.docs) d.destroy();
            peers.docs = freshPeers(r);
            continue;
          }
          try {
            // The room holds every committed version, so nothing an honest peer references is missing.
            if (validateUpdate(update, room.ydoc) === 'waits') throw new Error('an honest update waits');
          } catch (err) {
            if (process.env.FUZZ_DUMP) writeFileSync(process.env.FUZZ_DUMP, JSON.stringify([...(await store.loadUpdates(T, D, 0)).map((row) => hex(row.update)), hex(update)]));
            throw err;
          }
          return commit(update);
        }
      };
      const peers: Peers = { docs: freshPeers(r), pool: [] };
      for (let i = 0; i < 8; i++) await honest();

      for (let n = 0; n < PER_ROOM && done < COUNT; n++, done++) {
        if (n % 25 === 24) await honest();
        const update = r.chance(0.7) ? mutate(r, seedUpdate(r, peers), r.pick(peers.pool)) : generate(r, stateOf(room.ydoc));
        try {
          // As the commit path does: the room holds every committed version and no write is in flight, so
          // an update that still waits references items nobody committed, and is refused.
          if (validateUpdate(update, room.ydoc) === 'waits') throw new CairnError('INVALID_UPDATE', 'waits');
        } catch (err) {
          if (!(err instanceof CairnError && err.code === 'INVALID_UPDATE')) failures.push(`case ${done}: threw ${String(err)} for ${hex(update)}`);
          tally.refused++;
          continue;
        }
        tally.accepted++;
        const v = await commit(update);
        const next = await honest();
        await room.ready;
        const cold = createRoom({ tenant: T, doc: D, store, observer });
        await cold.ready;
        const same = Y.equalSnapshots(Y.snapshot(room.ydoc), Y.snapshot(cold.ydoc));
        cold.destroy();
        if (!delivered.includes(v) || !delivered.includes(next) || quarantined.length > 0 || !same) {
          tally.broke++;
          failures.push(`case ${done}: delivered ${String(delivered.includes(v))}/${String(delivered.includes(next))}, quarantined [${quarantined.join()}], cold equals live ${String(same)}: ${hex(update)}`);
          // FUZZ_DUMP=file writes the doc's log (hex rows, the bad one last) for replaying the case by hand.
          if (process.env.FUZZ_DUMP) writeFileSync(process.env.FUZZ_DUMP, JSON.stringify((await store.loadUpdates(T, D, 0)).map((row) => hex(row.update))));
          break;
        }
      }
      room.destroy();
      for (const d of peers.docs) d.destroy();
    }
    console.log(`update fuzz SEED=${SEED} FUZZ_COUNT=${COUNT}: ${tally.accepted} accepted, ${tally.refused} refused, ${tally.broke} broke a doc (${tally.squatted} honest edits dropped after a hostile update took their clocks)`);
    expect(failures, `SEED=${SEED}`).toEqual([]);
    expect(tally.accepted + tally.refused).toBe(COUNT);
  }, 30_000 + COUNT / 2); // a nightly-size FUZZ_COUNT (300,000: ~45 s) outlasts the default 30 s
});
