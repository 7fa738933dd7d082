// (4) A fresh client joins a doc of 100k anchors that the server holds in memory (hot: a seeding client
// stays connected). Measured per join: time from opening the socket until the client has applied the
// server's state and holds every anchor, and the server CPU spent meanwhile (the server's share of the
// join; the client's apply is the same for every server). Each server gets the same seed, over the same
// y-websocket protocol (Cairn: /y/:room, so every seed update is committed to its store first). Server
// time is the server process's CPU time over the join, all threads, from schedstat (ns resolution).
import * as Y from 'yjs';
import { connectY } from '../lib/y-client.mjs';
import { connectNative } from '../lib/native-client.mjs';
import { roomUrl } from '../lib/rig.mjs';
import { anchorSeed, SEED_CLIENT_ID } from '../lib/anchor-seed.mjs';
import { cpuMsFine } from '../lib/proc.mjs';
import { median, sleep } from '../lib/stats.mjs';

const ROOM = 'join-anchors';

async function joinOnce(target) {
  const doc = new Y.Doc();
  const t0 = performance.now();
  const c = connectY({ flavor: target.protocol, url: roomUrl(target, ROOM), room: ROOM, doc, apply: true });
  await c.ready;
  const ms = performance.now() - t0;
  const clock = Y.getState(doc.store, SEED_CLIENT_ID);
  c.close();
  return { ms, clock, anchors: doc.getMap('created').size };
}

/** Cairn only: the same join over the native protocol (sub with an empty state vector, answered by sync). */
async function joinNative(target) {
  const doc = new Y.Doc();
  const t0 = performance.now();
  const c = connectNative({ url: target.nativeUrl });
  await c.ready;
  const sync = await c.sub(`default/${ROOM}`);
  Y.applyUpdate(doc, sync.update);
  const ms = performance.now() - t0;
  const clock = Y.getState(doc.store, SEED_CLIENT_ID);
  c.close();
  return { ms, clock, anchors: doc.getMap('created').size };
}

async function measure(target, count, seed, once) {
  const joins = [];
  for (let i = 0; i < count; i++) {
    await sleep(300); // let the previous joiner's close settle
    const cpu0 = cpuMsFine(target.pid);
    const j = await once(target);
    await sleep(50);
    const serverMs = cpuMsFine(target.pid) - cpu0;
    if (j.clock < seed.finalClock) throw new Error(`join ${i} got clock ${j.clock} of ${seed.finalClock}`);
    joins.push({ ...j, serverMs });
  }
  return { joinMs: median(joins.map((j) => j.ms)), serverMs: median(joins.map((j) => j.serverMs)), joins };
}

export async function join(target, o) {
  const seed = anchorSeed(o.tmpDir, o.anchors);
  const seeder = connectY({ flavor: target.protocol, url: roomUrl(target, ROOM), room: ROOM });
  await seeder.ready;
  const t0 = performance.now();
  for (const u of seed.updates) {
    seeder.sendUpdate(u);
    // Let big frames drain instead of queueing 20+ MB in one go.
    while (seeder.ws.bufferedAmount > 4 * 1024 * 1024) await sleep(5);
  }
  // Seeded once a joiner gets everything (Cairn: once every seed update is committed).
  let probe;
  for (;;) {
    probe = await joinOnce(target);
    if (probe.clock >= seed.finalClock) break;
    if (performance.now() - t0 > o.seedTimeoutMs) throw new Error(`seeding incomplete: clock ${probe.clock} of ${seed.finalClock}`);
    await sleep(500);
  }
  const seedMs = performance.now() - t0;
  const y = await measure(target, o.joins, seed, joinOnce);
  const native = target.cairn ? await measure(target, o.joins, seed, joinNative) : null;
  seeder.close();
  return { anchors: o.anchors, docBytes: seed.bytes, seedMs, ...y, native };
}
