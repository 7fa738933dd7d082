/**
 * C4: the cost of validating one update, before (decode + scratch apply when a struct sits at clock 0,
 * copied below as it was) and now (packages/server/src/commit/validate-update.ts against the room's doc),
 * for a pose-sized update on a live doc and a ~100 KB update. Prints a markdown table (medians); never
 * fails on a timing. Run `npm run build` first, then `node bench/validate/validate-update-bench.mjs`.
 */
import * as Y from 'yjs';
import { validateUpdate } from '../../packages/server/dist/commit/validate-update.js';

const SCRATCH = { gc: false, guid: 'cairn-validate-scratch' };
function validateBefore(update) {
  const { structs } = Y.decodeUpdate(update);
  if (!structs.some((s) => s.id.clock === 0)) return;
  const scratch = new Y.Doc(SCRATCH);
  Y.applyUpdate(scratch, update);
  scratch.destroy();
}

// A live cell doc: 2,000 anchors (a map each, with a pose array), edited by 20 clients.
const room = new Y.Doc();
const writers = Array.from({ length: 20 }, (_, i) => {
  const d = new Y.Doc();
  d.clientID = 100 + i;
  return d;
});
const anchors = room.getMap('anchors');
for (let i = 0; i < 2000; i++) {
  const w = writers[i % writers.length];
  Y.applyUpdate(w, Y.encodeStateAsUpdate(room));
  let update;
  w.once('update', (u) => (update = u));
  w.transact(() => {
    const a = new Y.Map();
    w.getMap('anchors').set(`a${i}`, a);
    a.set('pose', { p: [i, 1, -i], q: [0, 0, 0, 1], hlc: `${i}` });
    a.set('props', { name: `anchor ${i}` });
  });
  Y.applyUpdate(room, update);
}
const poser = writers[3];
Y.applyUpdate(poser, Y.encodeStateAsUpdate(room));
let pose;
poser.once('update', (u) => (pose = u));
poser.getMap('anchors').get('a17').set('pose', { p: [1.25, 1.5, -3.75], q: [0, 0.7071, 0, 0.7071], hlc: '2026-12-07T13:00:00.000Z-0001' });

// ~100 KB: a fresh client's first push of 400 anchors (structs at clock 0, so `before` applies it too).
const big = new Y.Doc();
big.clientID = 999;
let bigUpdate;
big.once('update', (u) => (bigUpdate = u));
big.transact(() => {
  for (let i = 0; i < 400; i++) {
    const a = new Y.Map();
    big.getMap('anchors').set(`b${i}`, a);
    a.set('pose', { p: [i, 2, i], q: [0, 0, 0, 1], hlc: `h${i}` });
    a.set('props', { note: 'x'.repeat(160), tags: ['survey', 'pillar', String(i)] });
  }
});

/** µs per call: the median of 9 rounds of ~150 ms, the variants interleaved (the machine is shared). */
function measure(fns) {
  const samples = fns.map(() => []);
  for (const fn of fns) for (let i = 0; i < 100; i++) fn();
  for (let round = 0; round < 9; round++) {
    fns.forEach((fn, k) => {
      let n = 0;
      const start = performance.now();
      while (performance.now() - start < 150) {
        for (let i = 0; i < 10; i++) fn();
        n += 10;
      }
      samples[k].push(((performance.now() - start) * 1000) / n);
    });
  }
  return samples.map((s) => s.sort((a, b) => a - b)[4]);
}

const rows = [
  ['pose update on a live doc', pose, room],
  ['~100 KB first push (400 anchors)', bigUpdate, room],
];
console.log('| update | bytes | before (µs) | now, against the room (µs) | now, no room (µs) |');
console.log('|---|---:|---:|---:|---:|');
for (const [name, update, doc] of rows) {
  const [before, withRoom, alone] = measure([() => validateBefore(update), () => validateUpdate(update, doc), () => validateUpdate(update)]);
  console.log(`| ${name} | ${update.byteLength} | ${before.toFixed(1)} | ${withRoom.toFixed(1)} | ${alone.toFixed(1)} |`);
}
