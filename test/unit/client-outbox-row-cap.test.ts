/**
 * A3 on the client's write path: a burst of edits becomes outbox rows of at most MAX_MERGED_ROW_BYTES
 * (64 KiB, far below the server's 1 MiB frame), merged per doc within a write even when the edits of several
 * docs interleave, so a burst is a modest number of ordinary pushes, never one giant one.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { CairnClient } from '@cairn/client';
import { createFakeServer } from './support/fake-server.js';
import { clientOn } from './support/client-harness.js';

const KIB = 1024;
const clients: CairnClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.destroy()));
});

describe('outbox rows are capped', () => {
  it('A3: 2,000 edits of 200 bytes to one doc in one tick become rows of at most 64 KiB, all delivered', async () => {
    const server = createFakeServer();
    const client = clientOn(server);
    clients.push(client);
    client.goOffline();
    const doc = await client.open('a/burst');
    for (let i = 0; i < 2000; i++) doc.getMap('m').set(`k${i}`, 'v'.repeat(200));
    await client.flush();
    client.goOnline();
    await client.whenSynced();
    const pushes = server.received('push');
    expect(Math.max(...pushes.map((p) => p.update.byteLength))).toBeLessThanOrEqual(64 * KIB);
    expect(pushes.length).toBeGreaterThanOrEqual(7); // ~420 KB in all
    expect(pushes.length).toBeLessThan(40);
    expect(server.doc('a/burst').getMap('m').size).toBe(2000);
  });

  it('A3: edits of two docs interleaved in one tick are merged per doc, not one row per edit', async () => {
    const server = createFakeServer();
    const client = clientOn(server);
    clients.push(client);
    client.goOffline();
    const one = await client.open('a/one');
    const two = await client.open('a/two');
    for (let i = 0; i < 500; i++) {
      one.getMap('m').set(`k${i}`, i);
      two.getMap('m').set(`k${i}`, i);
    }
    await client.flush();
    expect(client.status.pending).toBe(2);
    client.goOnline();
    await client.whenSynced();
    expect(server.received('push').map((p) => p.doc).sort()).toEqual(['a/one', 'a/two']);
    expect(server.doc('a/one').getMap('m').size).toBe(500);
    expect(server.doc('a/two').getMap('m').size).toBe(500);
  });
});
