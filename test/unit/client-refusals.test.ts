import { afterEach, describe, expect, it } from 'vitest';
import type { CairnClient, Rejection } from '@cairn/client';
import { createFakeServer } from './support/fake-server.js';
import { clientOn } from './support/client-harness.js';

const clients: CairnClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.destroy()));
});

describe('refusals: a refused sub, a bad doc id, a destroyed client', () => {
  it('O7/S1: reject {doc, FORBIDDEN} on a sub emits rejected with seq null, and the other docs still sync', async () => {
    const server = createFakeServer({ sub: (f) => (f.doc === 'secret/doc' ? 'FORBIDDEN' : null) });
    const client = clientOn(server);
    clients.push(client);
    const rejected: Rejection[] = [];
    client.on('rejected', (r) => rejected.push(r));
    await client.open('secret/doc');
    const open = await client.open('space-a/notes');
    open.getMap('m').set('k', 1);
    await client.whenSynced();
    expect(rejected).toEqual([{ seq: null, doc: 'secret/doc', code: 'FORBIDDEN', message: expect.any(String) }]);
    expect(server.doc('space-a/notes').getMap('m').toJSON()).toEqual({ k: 1 });
  });

  it('an invalid doc id is refused locally with INVALID_DOC_ID', async () => {
    const client = clientOn(createFakeServer());
    clients.push(client);
    await expect(client.open('no-slash')).rejects.toMatchObject({ code: 'INVALID_DOC_ID' });
  });

  it('whenSynced() and open() after destroy() reject', async () => {
    const client = clientOn(createFakeServer());
    await client.destroy();
    await expect(client.whenSynced()).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(client.open('space-a/notes')).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });
});
