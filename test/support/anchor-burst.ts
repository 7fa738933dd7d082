/**
 * Bursts of anchor creates with the real client (Node: fake-indexeddb and `ws`), for the A3 tests: a grid of
 * poses, either packed into one cell (the burst that used to become one oversized push) or spread over
 * many (so no cell holds more than the REST route's 10,000-anchor limit), the count of anchors the
 * server's REST read model holds, and the count a fresh replica sees.
 * Every socket the helper opens records the largest frame it sent, so tests can check the client never
 * sent a frame above the server's maxPayload.
 */
import WebSocket from 'ws';
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { createCairnClient, type CairnClient, type Space, type SpaceAnchor } from '@cairn/client';
import { cellOf, createGeoFrame, type ClientSocket, type GeoPoint, type Vec3 } from '@cairn/shared';

export const BURST_ORIGIN: GeoPoint = { lat: 48.8566, lon: 2.3522, alt: 35 };

export interface BurstLayout {
  /** Geohash precision of the space's cells. */
  precision: number;
  columns: number;
  spacingM: number;
}

/** 5,000 anchors in 20 m x 15 m: one ~150 m cell. */
export const ONE_CELL: BurstLayout = { precision: 7, columns: 60, spacingM: 0.25 };
/** 100,000 anchors in 200 m x 125 m over ~40 m cells: about 60 cells of under 3,000 anchors. */
export const MANY_CELLS: BurstLayout = { precision: 8, columns: 400, spacingM: 0.5 };

export interface SentFrames {
  largest: number;
  count: number;
}

/** A `ws` socket factory that records the frames the client sends. */
export function measuredSockets(sent: SentFrames): (url: string) => ClientSocket {
  return (url) => {
    const ws = new WebSocket(url);
    const send = ws.send.bind(ws);
    ws.send = ((data: Uint8Array, ...rest: unknown[]) => {
      sent.largest = Math.max(sent.largest, data.byteLength);
      sent.count++;
      return (send as (d: unknown, ...r: unknown[]) => void)(data, ...rest);
    }) as typeof ws.send;
    return ws as unknown as ClientSocket;
  };
}

export function burstClient(url: string, token: string, sent: SentFrames = { largest: 0, count: 0 }): CairnClient {
  return createCairnClient({
    url,
    token,
    dbName: `burst-${Math.random().toString(36).slice(2)}`,
    indexedDB: new IDBFactory(),
    IDBKeyRange,
    socket: measuredSockets(sent),
    broadcastChannel: null,
    networkEvents: null,
  });
}

/** `n` poses on a grid of the layout, row by row; and the cells they fall in. */
export function burstGrid(n: number, layout: BurstLayout): { poses: Vec3[]; cells: string[] } {
  const frame = createGeoFrame(BURST_ORIGIN);
  const poses: Vec3[] = [];
  for (let i = 0; i < n; i++) poses.push([(i % layout.columns) * layout.spacingM, 0, -Math.floor(i / layout.columns) * layout.spacingM]);
  const cells = new Set<string>();
  for (const p of poses) {
    const g = frame.toGeo(p);
    cells.add(cellOf(g.lat, g.lon, layout.precision));
  }
  return { poses, cells: [...cells] };
}

export function burstSpace(client: CairnClient, name: string, layout: BurstLayout): Space {
  return client.space(name, { origin: BURST_ORIGIN, precision: layout.precision });
}

/** Creates an anchor at every pose at once (one burst: every create is started before any finishes). */
export async function createBurst(space: Space, poses: readonly Vec3[], label: string): Promise<SpaceAnchor[]> {
  return Promise.all(poses.map((p, i) => space.anchors.create({ pose: { p, q: [0, 0, 0, 1] }, props: { label: `${label} ${i}` } })));
}

/** Anchors of the space the server's REST read model holds in these cells (each query asserts it was not cut off). */
export async function restCount(httpUrl: string, token: string, space: string, cells: readonly string[]): Promise<number> {
  let total = 0;
  for (const cell of cells) {
    const res = await fetch(`${httpUrl}/v1/spaces/${space}/anchors?cell=${cell}&limit=10000`, { headers: { authorization: `Bearer ${token}` } });
    if (!res.ok) throw new Error(`GET anchors of cell ${cell}: ${res.status} ${await res.text()}`);
    const n = ((await res.json()) as { anchors: unknown[] }).anchors.length;
    if (n >= 10_000) throw new Error(`cell ${cell} holds 10,000 anchors or more: the count would be cut off`);
    total += n;
  }
  return total;
}

/** Waits until the REST read model (which follows commits asynchronously) holds `expected` anchors. */
export async function restCountReaches(httpUrl: string, token: string, space: string, cells: readonly string[], expected: number, timeoutMs = 30_000): Promise<number> {
  // Polled once a second: every poll reads every anchor back, and polling faster only slows the read
  // model down (it shares the server and its database pool).
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const n = await restCount(httpUrl, token, space, cells);
    if (n >= expected || Date.now() > deadline) return n;
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/**
 * The anchors a brand-new replica sees once it opened the cells and synced. Cells are opened eight at a
 * time, as a region would: the syncs of 60 cells of ~0.5 MB at once exceed the server's 8 MiB outbound
 * buffer per socket, and the socket is closed as a slow reader (S3) before they are all out.
 */
export async function freshReplicaCount(url: string, token: string, space: string, layout: BurstLayout, cells: readonly string[]): Promise<number> {
  const fresh = burstClient(url, token);
  try {
    const s = burstSpace(fresh, space, layout);
    for (let i = 0; i < cells.length; i += 8) {
      await s.openCells(cells.slice(i, i + 8));
      await fresh.whenSynced();
    }
    return s.anchors.all().length;
  } finally {
    await fresh.destroy();
  }
}
