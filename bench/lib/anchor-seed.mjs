// The doc of workload 4: 100k anchors in the layout of Cairn's cell docs (packages/shared/src/spatial/
// anchor-doc.ts: a pose under `<id>|<hlc>` in `poses`, `{by, at}` under `<id>` in `created`), written in
// transactions of 1,000 anchors so every update stays well under a 1 MiB frame. Built once per bench run
// and cached in bench/.tmp (building takes seconds).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as Y from 'yjs';

export const SEED_CLIENT_ID = 77;

function build(count, perUpdate) {
  const doc = new Y.Doc();
  doc.clientID = SEED_CLIENT_ID;
  const updates = [];
  doc.on('update', (u) => updates.push(u));
  const poses = doc.getMap('poses');
  const created = doc.getMap('created');
  for (let start = 0; start < count; start += perUpdate) {
    doc.transact(() => {
      for (let k = start; k < Math.min(count, start + perUpdate); k++) {
        const id = `0190a4c2-7c3e-7b1a-8f00-${String(k).padStart(12, '0')}`;
        poses.set(`${id}|0001732380000000-0000-bench000`, { p: [k % 317, 1.2, -(k / 317)], q: [0, 0, 0, 1] });
        created.set(id, { by: 'bench', at: '2026-11-23T00:00:00.000Z' });
      }
    });
  }
  return updates;
}

/** The seed updates, from the cache file if it exists. Also returns the final clock, to check a replica. */
export function anchorSeed(dir, count, perUpdate = 1000) {
  const file = `${dir}anchors-${count}.bin`;
  if (!existsSync(file)) {
    mkdirSync(dir, { recursive: true });
    const updates = build(count, perUpdate);
    const parts = [];
    for (const u of updates) {
      const len = Buffer.alloc(4);
      len.writeUInt32LE(u.byteLength);
      parts.push(len, u);
    }
    writeFileSync(file, Buffer.concat(parts));
  }
  const buf = readFileSync(file);
  const updates = [];
  for (let at = 0; at < buf.length; ) {
    const len = buf.readUInt32LE(at);
    updates.push(new Uint8Array(buf.buffer, buf.byteOffset + at + 4, len));
    at += 4 + len;
  }
  return { updates, bytes: buf.length - 4 * updates.length, finalClock: 2 * count };
}
