import { it } from 'vitest';
import WebSocket from 'ws';
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { createCairnClient } from '@cairn/client';
import { buildServer, createMemoryStore, createMemoryBus, createTokenVerifier } from '@cairn/server';
import { cellOf, createGeoFrame, type ClientSocket, type Vec3 } from '@cairn/shared';

it('scratch', async () => {
  const N = Number(process.env.N ?? 3000);
  const server = await buildServer({ store: createMemoryStore(), bus: createMemoryBus(), verify: createTokenVerifier({}).verify });
  const addr = await server.listen({ port: 0 });
  const c = createCairnClient({ url: addr.replace('http', 'ws') + '/v1/sync', indexedDB: new IDBFactory(), IDBKeyRange, socket: (u) => new WebSocket(u) as unknown as ClientSocket, broadcastChannel: null, networkEvents: null });
  c.on('rejected', (r) => console.log('rejected', r.code, r.message));
  c.on('error', (e) => console.log('error', e));
  c.on('status', (s) => { if (s.state !== 'syncing' && s.state !== 'offline') console.log('status', s); });
  if (process.env.OFFLINE) c.goOffline();
  const space = c.space('site', { precision: 8 });
  const frame = createGeoFrame({ lat: 0, lon: 0, alt: 0 });
  const poses: Vec3[] = [];
  for (let i = 0; i < N; i++) poses.push([(i % 400) * 0.5, 0, -Math.floor(i / 400) * 0.5]);
  const cellOfP = (p: Vec3) => { const g = frame.toGeo(p); return cellOf(g.lat, g.lon, 8); };
  if (process.env.SORT) poses.sort((a, b) => cellOfP(a).localeCompare(cellOfP(b)));
  const cells = [...new Set(poses.map((p) => { const g = frame.toGeo(p); return cellOf(g.lat, g.lon, 8); }))];
  await space.openCells(cells);
  console.log('cells', cells.length);
  const t0 = Date.now();
  const ps = [];
  for (let i = 0; i < N; i++) ps.push(space.anchors.create({ pose: { p: poses[i]!, q: [0, 0, 0, 1] } as any, props: { label: 'anchor ' + i } }));
  const made = await Promise.all(ps);
  await c.flush();
  console.log('created', Date.now() - t0, c.status, made.length);
  if (process.env.OFFLINE) c.goOnline();
  await c.whenSynced();
  console.log('synced', Date.now() - t0, c.status, (await c.deadLetters.list()).length);
  let n = 0; for (const cell of cells) { const r = await fetch(addr + '/v1/spaces/site/anchors?cell=' + cell + '&limit=10000'); n += ((await r.json()) as any).anchors.length; }
  console.log('rest', n, Date.now() - t0);
  await c.destroy();
  await server.close();
}, 600_000);
