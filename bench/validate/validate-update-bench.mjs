/**
 * C4: the cost of validating one update, before (decode + scratch apply when a struct sits at clock 0,
 * copied below as it was) and now (packages/server/src/commit/validate-update.ts against the room's doc),
 * for a pose-sized update on a live doc and a ~100 KB update; then with the Yjs client owners check the
 * commit path adds (room/yclient-owners.ts: the struct clients validation collects, checked and claimed),
 * and what deriving the owners costs a cold load (each row applied in a transaction whose state vectors
 * are compared). Prints markdown tables (medians); never fails on a timing. Run `npm run build` first,
 * then `node bench/validate/validate-update-bench.mjs`.
 */
import * as Y from 'yjs';
import { validateUpdate } from '../../packages/server/dist/commit/validate-update.js';
import { applyOwned, createYClientOwners } from '../../packages/server/dist/room/yclient-owners.js';

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

const owners = createYClientOwners({ doc: () => room });
/** What the commit path does per push: validate collecting the clients, check and claim, settle. */
function validateOwned(update, doc) {
  const writes = new Map();
  validateUpdate(update, doc, writes);
  owners.allows('writer-3', writes);
  owners.claim('writer-3', writes).settle(false);
}

const rows = [
  ['pose update on a live doc', pose, room],
  ['~100 KB first push (400 anchors)', bigUpdate, room],
];
console.log('| update | bytes | before (µs) | now, against the room (µs) | now + owners check (µs) | now, no room (µs) |');
console.log('|---|---:|---:|---:|---:|---:|');
for (const [name, update, doc] of rows) {
  const [before, withRoom, owned, alone] = measure([() => validateBefore(update), () => validateUpdate(update, doc), () => validateOwned(update, doc), () => validateUpdate(update)]);
  console.log(`| ${name} | ${update.byteLength} | ${before.toFixed(1)} | ${withRoom.toFixed(1)} | ${owned.toFixed(1)} | ${alone.toFixed(1)} |`);
}

// A cold load's replay: the 2,000 rows of the live doc above, one by one, plain and deriving owners.
const log = [];
{
  const w = new Y.Doc();
  w.on('update', (u) => log.push(u));
  for (let i = 0; i < 2000; i++) {
    w.clientID = 100 + (i % 20);
    w.transact(() => w.getMap('anchors').set(`a${i}`, { p: [i, 1, -i], hlc: `${i}` }));
  }
}
const [plain, derived] = measure([
  () => {
    const d = new Y.Doc();
    for (const u of log) Y.applyUpdate(d, u);
  },
  () => {
    const d = new Y.Doc();
    const o = new Map();
    for (const u of log) applyOwned(d, u, null, 'writer', o);
  },
]);
console.log('');
console.log('| cold load of 2,000 rows, 20 clients | plain apply (ms) | deriving owners (ms) |');
console.log('|---|---:|---:|');
console.log(`| row by row | ${(plain / 1000).toFixed(1)} | ${(derived / 1000).toFixed(1)} |`);
