/**
 * A space's origin and precision come from its meta doc (DESIGN §6): the options of client.space() are
 * defaults, written only where the meta doc has no value and only once the client has what the server
 * has (or is offline), so a device joining an existing space never shifts everybody's anchors.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { metaDocId, readSpaceMeta } from '@cairn/shared';
import type { CairnClient, CairnError } from '@cairn/client';
import { createFakeServer } from './support/fake-server.js';
import { clientOn } from './support/client-harness.js';

const FIRST = { lat: 48.8566, lon: 2.3522, alt: 35 };
const LATER = { lat: 51.5072, lon: -0.1276, alt: 11 };
const clients: CairnClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.destroy()));
});
const track = (c: CairnClient) => (clients.push(c), c);

describe('space meta', () => {
  it('a device joining an existing space online adopts its origin and precision and writes nothing', async () => {
    const server = createFakeServer();
    const first = track(clientOn(server));
    const s1 = first.space('venue', { origin: FIRST, precision: 8 });
    await s1.openCells([]);
    await first.whenSynced();
    const pushesBefore = server.received('push').length;

    const second = track(clientOn(server));
    const s2 = second.space('venue', { origin: LATER, precision: 6 });
    await s2.openCells([]);
    expect(s2.origin).toEqual(FIRST);
    expect(s2.precision).toBe(8);
    await second.whenSynced();
    expect(server.received('push').length).toBe(pushesBefore);
    expect(readSpaceMeta(server.doc(metaDocId('venue')))).toEqual({ origin: FIRST, precision: 8 });
    const a = await s2.anchors.create({ pose: { p: [0, 0, 0], q: [0, 0, 0, 1] } });
    expect(a.cell).toHaveLength(8);
    expect(a.lat).toBeCloseTo(FIRST.lat, 6);
  });

  it('offline, the defaults are written at once; a space with no origin at all uses (0, 0, 0)', async () => {
    const client = track(clientOn(createFakeServer()));
    client.goOffline();
    const s = client.space('field', { origin: LATER });
    await s.openCells([]);
    expect(readSpaceMeta(await client.open(metaDocId('field')))).toEqual({ origin: LATER, precision: 7 });
    const bare = client.space('bare');
    await bare.openCells([]);
    expect(bare.origin).toEqual({ lat: 0, lon: 0, alt: 0 });
    expect(readSpaceMeta(await client.open(metaDocId('bare')))).toEqual({ origin: null, precision: 7 });
  });

  it('a live-query callback that throws is reported as a client error and does not stop the index', async () => {
    const client = track(clientOn(createFakeServer()));
    client.goOffline();
    const errors: CairnError[] = [];
    client.on('error', (e) => errors.push(e));
    const s = client.space('field', { origin: LATER });
    await s.subscribeRegion({ lat: LATER.lat, lon: LATER.lon, radiusM: 20 });
    s.anchors.observe({ kind: 'within', center: [0, 0, 0], radiusM: 50 }, () => {
      throw new Error('app bug');
    });
    const a = await s.anchors.create({ pose: { p: [1, 0, 0], q: [0, 0, 0, 1] } });
    const b = await s.anchors.create({ pose: { p: [2, 0, 0], q: [0, 0, 0, 1] } });
    expect(s.anchors.all().map((x) => x.id).sort()).toEqual([a.id, b.id].sort());
    // The app's own error, wrapped so the event always carries a catalog code (S4).
    expect(errors.map((e) => [e.code, (e.cause as Error).message])).toEqual([['INTERNAL', 'app bug'], ['INTERNAL', 'app bug']]);
  });
});
