// (6) Reconnect: a client made 1,000 edits offline and comes back.
//   y-websocket protocol (every server): its sync step 2 carries all 1,000 edits as one update; measured
//     until a second client, connected before, holds all of them (y-websocket has no acks; on Cairn the
//     update reaches the second client only after it is committed).
//   native (Cairn only): the client resends its outbox as 1,000 pushes, seq 1..1000, as the real client
//     does; measured until the ack of seq 1000.
import * as Y from 'yjs';
import { connectY } from '../lib/y-client.mjs';
import { connectNative } from '../lib/native-client.mjs';
import { createPoseWriter } from '../lib/pose-writer.mjs';
import { roomUrl } from '../lib/rig.mjs';
import { median, sleep } from '../lib/stats.mjs';

function offlineEdits(clientID, count) {
  const w = createPoseWriter(clientID);
  const updates = [];
  for (let i = 0; i < count; i++) updates.push(w.next().update);
  return { doc: w.doc, updates, finalClock: Y.getState(w.doc.store, clientID) };
}

async function viaY(target, round, edits) {
  const room = `reconnect-${round}`;
  const clientID = 5000 + round;
  const { doc, finalClock } = offlineEdits(clientID, edits);
  const observerDoc = new Y.Doc();
  let done;
  const complete = new Promise((r) => (done = r));
  const observer = connectY({
    flavor: target.protocol, url: roomUrl(target, room), room, doc: observerDoc, apply: true,
    onUpdate: (_u, at) => {
      if (Y.getState(observerDoc.store, clientID) >= finalClock) done(at);
    },
  });
  await observer.ready;
  const t0 = performance.now();
  const client = connectY({ flavor: target.protocol, url: roomUrl(target, room), room, doc });
  const at = await Promise.race([complete, sleep(30_000).then(() => NaN)]);
  client.close();
  observer.close();
  return at - t0;
}

async function viaNative(target, round, edits) {
  const { updates } = offlineEdits(6000 + round, edits);
  const doc = `bench/reconnect-${round}`;
  let done;
  const acked = new Promise((r) => (done = r));
  const t0 = performance.now();
  const c = connectNative({ url: target.nativeUrl, onAck: (seq, at) => seq >= edits && done(at) });
  await c.ready;
  await c.sub(doc);
  updates.forEach((u, i) => c.push(doc, i + 1, u));
  const at = await Promise.race([acked, sleep(30_000).then(() => NaN)]);
  c.close();
  return at - t0;
}

export async function reconnect(target, o) {
  const y = [];
  const native = [];
  for (let round = 0; round < o.rounds; round++) {
    y.push(await viaY(target, round, o.edits));
    if (target.cairn) native.push(await viaNative(target, round, o.edits));
    await sleep(200);
  }
  return { edits: o.edits, yMs: median(y), nativeMs: target.cairn ? median(native) : null, y, native };
}
