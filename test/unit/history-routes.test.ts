/**
 * The history routes in one process (buildServer, memory Store): a cell doc's name percent-encoded in the
 * path, the order of refusals (401, 403, then 400), and a revert's record reaching `onRevert` (the audit
 * hook, L4) with the new version committed through the commit path.
 */
import * as Y from 'yjs';
import { describe, expect, it } from 'vitest';
import { buildServer, createMemoryBus, createMemoryStore, type RevertRecord } from '@cairn/server';
import { testVerify } from '../support/memory-node.js';
import { textEdits } from '../support/yjs-updates.js';


async function setup() {
  const store = createMemoryStore();
  const reverts: RevertRecord[] = [];
  const server = await buildServer({ store, bus: createMemoryBus(), verify: testVerify, onRevert: (r) => reverts.push(r) });
  const tenant = (await testVerify('writer')).tenant;
  const updates = textEdits(['a', 'b', 'c']);
  await store.commitBatch(updates.map((update, seq) => ({ tenant, doc: 'site/cell/u09tunq', clientId: 'writer-0001', seq, actor: 'w', update })));
  const call = (method: 'GET' | 'POST', url: string, token: string | null, payload?: unknown) =>
    server.app.inject({ method, url, headers: token ? { authorization: `Bearer ${token}` } : {}, ...(payload ? { payload: payload as object } : {}) });
  return { server, store, reverts, call, tenant };
}

describe('history routes', () => {
  it('L1: a cell doc is read through its percent-encoded name, by version', async () => {
    const { server, call } = await setup();
    const res = await call('GET', '/v1/spaces/site/docs/cell%2Fu09tunq?at=2', 'reader');
    expect(res.statusCode).toBe(200);
    const body = res.json<{ doc: string; version: number; head: number; update: string }>();
    expect([body.doc, body.version, body.head]).toEqual(['site/cell/u09tunq', 2, 3]);
    const d = new Y.Doc();
    Y.applyUpdate(d, Buffer.from(body.update, 'base64'));
    expect(d.getText('t').toString()).toBe('ab');
    await server.close();
  });

  it('S1: no token is 401 before anything else, a bad at is 400 after auth, a reader\'s revert is 403 READ_ONLY', async () => {
    const { server, call, reverts } = await setup();
    expect((await call('GET', '/v1/spaces/site/docs/cell%2Fu09tunq?at=nope', null)).statusCode).toBe(401);
    expect((await call('POST', '/v1/spaces/site/revert', null, { at: 'nope' })).statusCode).toBe(401);
    expect((await call('GET', '/v1/spaces/site/docs/cell%2Fu09tunq?at=nope', 'reader')).json()).toMatchObject({ error: { code: 'BAD_REQUEST' } });
    const refused = await call('POST', '/v1/spaces/site/docs/cell%2Fu09tunq/revert', 'reader', { at: '1' });
    expect([refused.statusCode, refused.json().error.code]).toEqual([403, 'READ_ONLY']);
    expect((await call('GET', '/v1/spaces/site/docs/bad%2F%2Fname?at=1', 'reader')).json()).toMatchObject({ error: { code: 'INVALID_DOC_ID' } });
    expect((await call('GET', '/v1/spaces/site/anchors/not-a-uuid/changes', 'reader')).json()).toMatchObject({ error: { code: 'BAD_REQUEST' } });
    expect(reverts).toEqual([]);
    await server.close();
  });

  it('L2: a revert commits version 4 through the commit path, returns its record and hands it to onRevert', async () => {
    const { server, store, call, reverts, tenant } = await setup();
    const res = await call('POST', '/v1/spaces/site/docs/cell%2Fu09tunq/revert', 'writer', { at: '1' });
    expect(res.statusCode).toBe(200);
    const record = res.json<RevertRecord>();
    expect(record).toMatchObject({ scope: 'doc', target: 'site/cell/u09tunq', to: 'version 1', docs: [{ doc: 'site/cell/u09tunq', from: 1, head: 3, version: 4 }] });
    expect(reverts.map((r) => r.clientId)).toEqual([record.clientId]);
    expect(await store.headVersion(tenant, 'site/cell/u09tunq')).toBe(4);
    const [row] = await store.listChanges(tenant, 'site/cell/u09tunq', 3, 1);
    expect(row).toMatchObject({ version: 4, actor: reverts[0]!.actor, clientId: record.clientId, seq: 0 });
    // The room (held by the commit) shows the old content.
    expect(server.node.rooms.peek(tenant, 'site/cell/u09tunq')?.ydoc.getText('t').toString()).toBe('a');
    // Reverting again to the same version has nothing to do.
    const again = (await call('POST', '/v1/spaces/site/docs/cell%2Fu09tunq/revert', 'writer', { at: '1' })).json<RevertRecord>();
    expect(again.docs).toEqual([expect.objectContaining({ version: null, bytes: 0 })]);
    await server.close();
  });

  it('L4: history reads, refusals and reverts each leave their audit row (a committed revert once, from the node)', async () => {
    const { server, store, call, tenant } = await setup();
    expect((await call('GET', '/v1/spaces/site/docs/cell%2Fu09tunq?at=2', 'reader')).statusCode).toBe(200);
    expect((await call('GET', '/v1/spaces/site/docs/cell%2Fu09tunq/changes', 'reader')).statusCode).toBe(200);
    expect((await call('POST', '/v1/spaces/site/docs/cell%2Fu09tunq/revert', 'reader', { at: '1' })).statusCode).toBe(403);
    expect((await call('POST', '/v1/spaces/site/docs/cell%2Fu09tunq/revert', 'writer', { at: '1' })).statusCode).toBe(200);
    expect((await call('POST', '/v1/spaces/site/docs/cell%2Fu09tunq/revert', 'writer', { at: '99' })).statusCode).toBe(400);
    await server.node.audit.flush();
    const rows = (await store.queryAudit({ tenant, limit: 100 })).rows
      .filter((r) => r.action !== 'write')
      .map((r) => [r.action, r.subject, r.outcome, r.doc, r.detail['route'] ?? r.detail['scope'] ?? r.detail['op']])
      .reverse();
    expect(rows).toEqual([
      ['history.read', 'reader', 'ok', 'site/cell/u09tunq', '/v1/spaces/:space/docs/:name'],
      ['history.read', 'reader', 'ok', 'site/cell/u09tunq', '/v1/spaces/:space/docs/:name/changes'],
      ['access.denied', 'reader', 'READ_ONLY', null, 'write'],
      ['revert', 'writer', 'ok', 'site/cell/u09tunq', 'doc'],
      ['revert', 'writer', 'BAD_REQUEST', 'site/cell/u09tunq', '/v1/spaces/:space/docs/:name/revert'],
    ]);
    await server.close();
  });
});
