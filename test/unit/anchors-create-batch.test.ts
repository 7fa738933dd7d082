/**
 * Creates started in one turn share one Yjs transaction per cell (spatial/create-batch.ts): a burst of
 * anchors costs a few outbox rows and pushes per cell, not one per anchor, and each row is still acked or
 * dead-lettered like any other (O2, O7). A create awaited on its own is still written at once.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { cellDocId, createGeoFrame, cellOf, readCell, type Vec3 } from '@cairn/shared';
import type { CairnClient, SpaceAnchor } from '@cairn/client';
import { MAX_CREATES_PER_TRANSACTION } from '../../packages/client/src/spatial/create-batch.js';
import { createFakeServer } from './support/fake-server.js';
import { clientOn } from './support/client-harness.js';

const ORIGIN = { lat: 48.8566, lon: 2.3522, alt: 35 };
const PRECISION = 8;
const clients: CairnClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.destroy()));
});

/** `n` positions 0.5 m apart, 100 to a row: 3,000 of them fall in a few ~40 m cells. */
function grid(n: number): { points: Vec3[]; cells: string[] } {
  const frame = createGeoFrame(ORIGIN);
  const points: Vec3[] = [];
  const cells = new Set<string>();
  for (let i = 0; i < n; i++) {
    const p: Vec3 = [(i % 100) * 0.5, 0, -Math.floor(i / 100) * 0.5];
    points.push(p);
    const g = frame.toGeo(p);
    cells.add(cellOf(g.lat, g.lon, PRECISION));
  }
  return { points, cells: [...cells] };
}

/** Every anchor id the server's docs of these cells hold. */
function serverIds(server: ReturnType<typeof createFakeServer>, space: string, cells: readonly string[]): Set<string> {
  const ids = new Set<string>();
  for (const cell of cells) {
    const doc = server.docs.get(cellDocId(space, cell));
    if (doc) for (const e of readCell(doc, cell)) ids.add(e.id);
  }
  return ids;
}

describe('anchors created in one turn share a transaction per cell', () => {
  it('O1, O2: 3,000 creates in one tick become a few outbox rows per cell, each acked, every anchor on the server', async () => {
    const server = createFakeServer();
    const client = clientOn(server);
    clients.push(client);
    client.goOffline();
    const space = client.space('bulk', { origin: ORIGIN, precision: PRECISION });
    const { points, cells } = grid(3000);
    expect(cells.length).toBeGreaterThan(1);
    await space.openCells(cells);
    await client.flush();
    const before = client.status.pending; // the space's meta doc
    let transactions = 0;
    for (const cell of cells) (await client.open(cellDocId('bulk', cell))).on('afterTransaction', () => transactions++);

    const made = await Promise.all(points.map((p, i) => space.anchors.create({ pose: { p, q: [0, 0, 0, 1] }, props: { i } })));
    expect(new Set(made.map((a) => a.id)).size).toBe(3000);
    expect(space.anchors.all()).toHaveLength(3000);
    // One transaction per cell for up to MAX_CREATES_PER_TRANSACTION anchors, not one per create.
    expect(transactions).toBeGreaterThanOrEqual(cells.length);
    expect(transactions).toBeLessThanOrEqual(cells.length + Math.ceil(3000 / MAX_CREATES_PER_TRANSACTION));
    expect(transactions).toBeLessThan(100);
    await client.flush();
    // Each transaction's update (~340 bytes an anchor) is one outbox row at most; one per create would be
    // 3,000, and updates of one anchor each merged into 64 KiB rows still about 3,000 x 340 B / 64 KiB + cells.
    const rows = client.status.pending - before;
    expect(rows).toBeGreaterThanOrEqual(1);
    expect(rows).toBeLessThanOrEqual(transactions);

    client.goOnline();
    await client.whenSynced();
    const pushes = server.received('push');
    expect(pushes).toHaveLength(before + rows);
    expect(pushes.map((p) => p.seq)).toEqual(Array.from({ length: before + rows }, (_, i) => i + 1));
    expect(client.status).toMatchObject({ state: 'synced', pending: 0, undeliverable: 0 });
    expect(serverIds(server, 'bulk', cells)).toEqual(new Set(made.map((a) => a.id)));
  });

  it('O7: a cell whose pushes are refused for good dead-letters its own rows; the other cells are acked', async () => {
    const { points, cells } = grid(1500);
    const refused = cellDocId('bulk', cells[0]!);
    const server = createFakeServer({ push: (p) => (p.doc === refused ? { reject: 'READ_ONLY' } : 'ack') });
    const client = clientOn(server);
    clients.push(client);
    const space = client.space('bulk', { origin: ORIGIN, precision: PRECISION });
    await space.openCells(cells);
    await client.whenSynced();

    const made = await Promise.all(points.map((p) => space.anchors.create({ pose: { p, q: [0, 0, 0, 1] } })));
    await expect(client.whenSynced()).rejects.toMatchObject({ code: 'UNDELIVERABLE' });
    const letters = await client.deadLetters.list();
    expect(letters.length).toBeGreaterThan(0);
    expect(new Set(letters.map((l) => l.doc))).toEqual(new Set([refused]));
    expect(client.status.pending).toBe(0);
    // Every anchor of the other cells is on the server; none of the refused cell's.
    const inRefused = (a: SpaceAnchor) => cellDocId('bulk', a.cell) === refused;
    expect(serverIds(server, 'bulk', cells)).toEqual(new Set(made.filter((a) => !inRefused(a)).map((a) => a.id)));
    expect(made.some(inRefused)).toBe(true);
  });

  it('O2: a create awaited on its own gets a transaction of its own and resolves once its outbox row is written', async () => {
    const server = createFakeServer();
    const client = clientOn(server);
    clients.push(client);
    client.goOffline();
    const space = client.space('bulk', { origin: ORIGIN, precision: PRECISION });
    const { points, cells } = grid(3);
    await space.openCells(cells);
    const doc = await client.open(cellDocId('bulk', cells[0]!));
    await client.flush();
    const before = client.status.pending; // the space's meta doc
    let transactions = 0;
    doc.on('afterTransaction', () => transactions++);
    for (const [k, p] of points.entries()) {
      const a = await space.anchors.create({ pose: { p, q: [0, 0, 0, 1] } });
      expect(space.anchors.get(a.id)).toBeDefined();
      // Resolved only once its outbox row is written (O2: a reload now keeps it).
      expect(client.status.pending).toBe(before + k + 1);
    }
    expect(transactions).toBe(3);
  });

  it('one bad input fails its own create only; the others of the turn are written', async () => {
    const server = createFakeServer();
    const client = clientOn(server);
    clients.push(client);
    client.goOffline();
    const space = client.space('bulk', { origin: ORIGIN, precision: PRECISION });
    const { points, cells } = grid(10);
    await space.openCells(cells);
    const results = await Promise.allSettled([
      ...points.map((p) => space.anchors.create({ pose: { p, q: [0, 0, 0, 1] } })),
      space.anchors.create({ pose: { p: [Number.NaN, 0, 0], q: [0, 0, 0, 1] } }),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(10);
    expect(results.at(-1)).toMatchObject({ status: 'rejected', reason: { code: 'BAD_REQUEST' } });
    expect(space.anchors.all()).toHaveLength(10);
  });
});
