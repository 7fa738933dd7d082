/**
 * The deletion routes in one process (buildServer, memory Store): who may delete (read+write; 401, 403
 * first), a doc named by its percent-encoded name, and what a deleted cell doc does to the space's anchor
 * query (its anchors are left out until a restore) while the rest of the space answers as before.
 */
import * as Y from 'yjs';
import { describe, expect, it } from 'vitest';
import { readCell } from '@cairn/shared';
import { buildServer, createMemoryBus, createMemoryStore } from '@cairn/server';
import { testVerify } from '../support/memory-node.js';
import { anchorReplica } from '../support/readmodel-writer.js';

async function setup() {
  const store = createMemoryStore();
  const server = await buildServer({ store, bus: createMemoryBus(), verify: testVerify });
  const tenant = (await testVerify('writer')).tenant;
  const writer = anchorReplica('w');
  // Two anchors in two cells, written to the read model as the updater would.
  const ids = ['018f2b3c-0000-7000-8000-00000000000a', '018f2b3c-0000-7000-8000-00000000000b'];
  for (const [i, cell] of ['u09tunq', 'u09tunr'].entries()) {
    const [made] = writer.create('site', cell, ids[i]!, [i, 0, 0]);
    const ydoc = new Y.Doc();
    Y.applyUpdate(ydoc, made!.update);
    await store.commitBatch([{ tenant, doc: made!.doc, clientId: 'writer-0001', seq: i, actor: 'w', update: made!.update }]);
    await store.anchors.applyCell({ tenant, doc: made!.doc, space: 'site', cell, version: 1, since: null, entries: readCell(ydoc, cell), removed: [] });
  }
  const call = (method: 'GET' | 'POST' | 'DELETE', url: string, token: string | null) =>
    server.app.inject({ method, url, headers: token ? { authorization: `Bearer ${token}` } : {} });
  const anchorIds = async () => (await call('GET', '/v1/spaces/site/anchors?cell=u09tun', 'reader')).json<{ anchors: { id: string }[] }>().anchors.map((a) => a.id);
  return { server, call, ids, anchorIds };
}

describe('deletion routes', () => {
  it('S1/L2: no token is 401, a reader may list but not delete or restore (403 READ_ONLY), a bad doc name is 400', async () => {
    const { server, call } = await setup();
    expect((await call('DELETE', '/v1/spaces/site', null)).statusCode).toBe(401);
    for (const [method, url] of [['DELETE', '/v1/spaces/site'], ['DELETE', '/v1/spaces/site/docs/notes'], ['POST', '/v1/spaces/site/restore']] as const) {
      const res = await call(method, url, 'reader');
      expect([url, res.statusCode, res.json<{ error: { code: string } }>().error.code]).toEqual([url, 403, 'READ_ONLY']);
    }
    expect((await call('GET', '/v1/spaces/site/deleted', 'reader')).json()).toEqual({ deletions: [] });
    expect((await call('DELETE', '/v1/spaces/site/docs/a%2F%2Fb', 'writer')).json<{ error: { code: string } }>().error.code).toBe('INVALID_DOC_ID');
    expect((await call('POST', '/v1/spaces/site/restore', 'writer')).statusCode).toBe(404);
    await server.close();
  });

  it('L2: a deleted cell doc\'s anchors leave the space\'s query (the rest stays), are 410 by name, and come back with a restore', async () => {
    const { server, call, ids, anchorIds } = await setup();
    expect(await anchorIds()).toEqual(ids);
    const del = await call('DELETE', '/v1/spaces/site/docs/cell%2Fu09tunq', 'writer');
    expect(del.statusCode).toBe(200);
    expect(del.json<{ deletion: { doc: string; deletedBy: string } }>().deletion).toMatchObject({ doc: 'site/cell/u09tunq', deletedBy: 'writer' });
    expect(await anchorIds()).toEqual([ids[1]]);
    const read = await call('GET', '/v1/spaces/site/docs/cell%2Fu09tunq?at=1', 'reader');
    expect([read.statusCode, read.json<{ error: { code: string } }>().error.code]).toEqual([410, 'DOC_DELETED']);
    expect((await call('GET', '/v1/spaces/site/docs/cell%2Fu09tunr?at=1', 'reader')).statusCode).toBe(200);
    expect((await call('GET', '/v1/spaces/site/deleted', 'reader')).json<{ deletions: { doc: string }[] }>().deletions.map((d) => d.doc)).toEqual(['site/cell/u09tunq']);

    expect((await call('POST', '/v1/spaces/site/docs/cell%2Fu09tunq/restore', 'writer')).statusCode).toBe(200);
    expect(await anchorIds()).toEqual(ids);
    expect((await call('GET', '/v1/spaces/site/docs/cell%2Fu09tunq?at=1', 'reader')).statusCode).toBe(200);

    // The whole space: every read of it is 410.
    expect((await call('DELETE', '/v1/spaces/site', 'writer')).statusCode).toBe(200);
    for (const url of ['/v1/spaces/site/anchors?cell=u09tun', '/v1/spaces/site/docs/cell%2Fu09tunr/changes', '/v1/spaces/site/anchors/018f2b3c-0000-7000-8000-00000000000a/changes']) {
      expect([url, (await call('GET', url, 'reader')).statusCode]).toEqual([url, 410]);
    }
    await server.close();
  });
});
