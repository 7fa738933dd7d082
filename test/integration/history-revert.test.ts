/**
 * History and revert end to end (L1, L2): a real server process on Postgres and Redis, real clients (Node,
 * fake-indexeddb, `ws`). History reads over REST and through `client.openAt` / `space.anchorsAt`; reverts of
 * a doc, an anchor (moved across a cell edge and prop-edited since) and a whole space, each a new update that
 * two clients converge on, one of them offline while the revert is committed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IDBFactory } from 'fake-indexeddb';
import type { CairnClient } from '@cairn/client';
import { issueToken } from '@cairn/server';
import { isolatedEnv, SECRET, startServer, type ServerProcess } from '../support/server-process.js';
import { until } from '../support/until.js';
import { nodeClient } from '../support/node-client.js';

const iso = isolatedEnv('it_history');
const ORIGIN = { lat: 48.8566, lon: 2.3522, alt: 35 };
let server: ServerProcess;
const tokens = { alice: '', bob: '', reader: '', otherTenant: '' };
const clients: CairnClient[] = [];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function client(token: string): CairnClient {
  const c = nodeClient(server, token, { indexedDB: new IDBFactory() });
  clients.push(c);
  return c;
}

interface Change { doc?: string; version: number; at: string; actor: string; clientId: string }
/** The fields the history routes answer with (each answer holds some of them). */
interface Body {
  changes: Change[]; next: string | null; error: { code: string }; version: number; head: number;
  scope: string; clientId: string; docs: { doc: string; version: number | null }[];
}

async function rest(method: 'GET' | 'POST', path: string, token: string, body?: unknown) {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as Body };
}

/** A time strictly between two commits: the commits around it are ≥ 20 ms apart. */
async function instant(): Promise<string> {
  await sleep(20);
  const t = new Date().toISOString();
  await sleep(20);
  return t;
}

beforeAll(async () => {
  tokens.alice = await issueToken({ secret: SECRET, tenant: 'acme', subject: 'alice', spaces: { '*': 'rw' } });
  tokens.bob = await issueToken({ secret: SECRET, tenant: 'acme', subject: 'bob', spaces: { '*': 'rw' } });
  tokens.reader = await issueToken({ secret: SECRET, tenant: 'acme', subject: 'reader', spaces: { '*': 'r' } });
  tokens.otherTenant = await issueToken({ secret: SECRET, tenant: 'globex', subject: 'spy', spaces: { '*': 'rw' } });
  server = await startServer(iso.env);
}, 60_000);

afterAll(async () => {
  await Promise.all(clients.map((c) => c.destroy().catch(() => undefined)));
  await server?.kill('SIGKILL');
  await iso.drop();
});

describe('doc history over REST and client.openAt', () => {
  it('L1: versions and times read the content of that point; changes are paged with version, time, actor, client', async () => {
    const a = client(tokens.alice);
    const doc = await a.open('notes/todo');
    const words = ['alpha', ' beta', ' gamma', ' delta', ' epsilon'];
    const times: string[] = [];
    for (const w of words) {
      doc.getText('t').insert(doc.getText('t').length, w);
      await a.whenSynced();
      times.push(await instant());
    }
    // Paged listing: 2 per page, following the cursor to the end.
    const seen: Change[] = [];
    let cursor: string | null = null;
    do {
      const page = await rest('GET', `/v1/spaces/notes/docs/todo/changes?limit=2${cursor ? `&cursor=${cursor}` : ''}`, tokens.reader);
      expect(page.status).toBe(200);
      expect(page.body['changes'].length).toBeLessThanOrEqual(2);
      seen.push(...page.body['changes']);
      cursor = page.body['next'];
    } while (cursor !== null);
    expect(seen.map((c) => c['version'])).toEqual([1, 2, 3, 4, 5]);
    expect(seen.every((c) => c['actor'] === 'alice' && c['clientId'] === a.clientId)).toBe(true);
    for (const [i, c] of seen.entries()) expect(Date.parse(c['at'])).toBeLessThan(Date.parse(times[i]!));

    for (let v = 0; v <= 5; v++) {
      const view = await a.openAt('notes/todo', { version: v });
      expect([view.version, view.head, view.doc.getText('t').toString()]).toEqual([v, 5, words.slice(0, v).join('')]);
    }
    const atTime = await a.openAt('notes/todo', { at: times[2]! });
    expect([atTime.version, atTime.doc.getText('t').toString()]).toEqual([3, 'alpha beta gamma']);
    // A commit's own time includes it (boundary): the listed time of version 2 reads version 2.
    expect((await a.openAt('notes/todo', { at: seen[1]!['at'] })).version).toBe(2);
    expect((await a.openAt('notes/todo', { at: '2000-01-01T00:00:00Z' })).version).toBe(0);
    // Detached: an edit to the historical copy is never pushed.
    atTime.doc.getText('t').insert(0, 'LOCAL ');
    await sleep(50);
    expect((await rest('GET', '/v1/spaces/notes/docs/todo?at=5', tokens.reader)).body['head']).toBe(5);
    await expect(a.openAt('notes/todo', { version: 6 })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });

  it('S5: another tenant sees none of it: an empty doc at version 0, no changes, no version 1', async () => {
    const at = await rest('GET', `/v1/spaces/notes/docs/todo?at=${encodeURIComponent(new Date().toISOString())}`, tokens.otherTenant);
    expect([at.status, at.body['version'], at.body['head']]).toEqual([200, 0, 0]);
    expect((await rest('GET', '/v1/spaces/notes/docs/todo/changes', tokens.otherTenant)).body).toEqual({ changes: [], next: null, floor: null });
    expect((await rest('GET', '/v1/spaces/notes/docs/todo?at=1', tokens.otherTenant)).body['error']['code']).toBe('BAD_REQUEST');
  });

  it('S1: a read-only token may read history but a revert is 403 READ_ONLY and writes nothing; bad input is 400', async () => {
    const refused = await rest('POST', '/v1/spaces/notes/docs/todo/revert', tokens.reader, { at: '1' });
    expect([refused.status, refused.body['error']['code']]).toEqual([403, 'READ_ONLY']);
    expect((await rest('GET', '/v1/spaces/notes/docs/todo?at=5', tokens.reader)).body['head']).toBe(5);
    for (const [path, body] of [
      ['/v1/spaces/notes/docs/todo?at=1e3', undefined], ['/v1/spaces/notes/docs/todo?at=2026-12-07T10:00:00', undefined],
      ['/v1/spaces/notes/docs/todo/changes?cursor=x', undefined], ['/v1/spaces/notes/docs/todo/changes?limit=0', undefined],
      ['/v1/spaces/notes/anchors?at=3&cell=u', undefined],
    ] as const) {
      const res = await rest('GET', path, tokens.reader, body);
      expect([path, res.status, res.body.error?.code]).toEqual([path, 400, 'BAD_REQUEST']);
    }
    const noAt = await rest('POST', '/v1/spaces/notes/revert', tokens.alice, { at: '3' });
    expect([noAt.status, noAt.body['error']['code']]).toEqual([400, 'BAD_REQUEST']);
  });

  it('L2: a doc revert is a new update two clients converge on, one offline during the revert keeping its edit', async () => {
    const a = client(tokens.alice);
    const b = client(tokens.bob);
    const [da, db] = [await a.open('notes/todo'), await b.open('notes/todo')];
    await Promise.all([a.whenSynced(), b.whenSynced()]);
    expect(db.getText('t').toString()).toBe('alpha beta gamma delta epsilon');
    b.goOffline();
    db.getMap('m').set('offline', 'bob was here');
    await b.flush();
    const res = await rest('POST', '/v1/spaces/notes/docs/todo/revert', tokens.alice, { at: '2' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ scope: 'doc', target: 'notes/todo', to: 'version 2', actor: 'alice', tenant: 'acme' });
    expect(res.body['docs']).toEqual([expect.objectContaining({ doc: 'notes/todo', from: 2, head: 5, version: 6 })]);
    await until(() => da.getText('t').toString() === 'alpha beta', 'the online client to see the revert');
    b.goOnline();
    await Promise.all([a.whenSynced(), b.whenSynced()]);
    await until(() => da.getMap('m').get('offline') === 'bob was here', 'bob\'s offline edit to reach alice');
    expect(db.getText('t').toString()).toBe('alpha beta');
    expect(db.getMap('m').toJSON()).toEqual(da.getMap('m').toJSON());
    // The revert is in the log like any edit: version 6 by alice under the revert's clientId.
    const changes = (await rest('GET', '/v1/spaces/notes/docs/todo/changes?cursor=5', tokens.alice)).body['changes'];
    expect(changes[0]).toMatchObject({ version: 6, actor: 'alice', clientId: res.body['clientId'] });
    expect(changes.map((c) => c.actor)).toContain('bob');
  });
});

describe('anchors and spaces', () => {
  it('L1, L2: an anchor moved across a cell edge and prop-edited is listed, read as of a time, and reverted on two clients', async () => {
    const a = client(tokens.alice);
    const b = client(tokens.bob);
    const [sa, sb] = [a.space('site', { origin: ORIGIN }), b.space('site', { origin: ORIGIN })];
    await Promise.all([sa.subscribeRegion({ lat: ORIGIN.lat, lon: ORIGIN.lon, radiusM: 500 }), sb.subscribeRegion({ lat: ORIGIN.lat, lon: ORIGIN.lon, radiusM: 500 })]);
    const created = await sa.anchors.create({ pose: { p: [0, 0, 0], q: [0, 0, 0, 1] }, props: { name: 'door', color: 'red' } });
    await a.whenSynced();
    const before = await instant();
    const moved = await sa.anchors.move(created.id, { p: [300, 0, -300], q: [0, 0, 0, 1] });
    expect(moved.cell).not.toBe(created.cell); // across a cell edge
    await sa.anchors.update(created.id, { color: 'blue', size: 2 });
    await a.whenSynced();
    await until(() => sb.anchors.get(created.id)?.props['color'] === 'blue', 'bob to see the edit');

    const then = await sa.anchorsAt(before);
    expect(then.map((x) => [x.id, x.cell, x.pose.p, x.props])).toEqual([[created.id, created.cell, [0, 0, 0], { name: 'door', color: 'red' }]]);
    const listed = (await rest('GET', `/v1/spaces/site/anchors/${created.id}/changes`, tokens.reader)).body;
    expect(new Set(listed['changes'].map((c) => c.doc))).toEqual(new Set([`site/cell/${created.cell}`, `site/cell/${moved.cell}`]));
    expect(listed['changes'].length).toBeGreaterThanOrEqual(3); // create, move (two cells), props

    b.goOffline();
    const res = await rest('POST', `/v1/spaces/site/anchors/${created.id}/revert`, tokens.alice, { at: before });
    expect(res.status).toBe(200);
    expect(res.body['docs'].filter((d) => d.version !== null).length).toBe(2);
    await until(() => sa.anchors.get(created.id)?.cell === created.cell, 'alice to see the anchor back in its first cell');
    const back = sa.anchors.get(created.id)!;
    expect([back.pose.p, back.props]).toEqual([[0, 0, 0], { name: 'door', color: 'red' }]);
    b.goOnline();
    await b.whenSynced();
    await until(() => sb.anchors.get(created.id)?.cell === created.cell, 'bob, offline during the revert, to converge');
    expect(sb.anchors.get(created.id)!.props).toEqual(back.props);
    expect(sb.anchors.get(created.id)!.pose).toEqual(back.pose);
  });

  it('L2: a space revert restores every doc; an anchor created offline during the revert is kept on both clients', async () => {
    const a = client(tokens.alice);
    const b = client(tokens.bob);
    const [sa, sb] = [a.space('yard', { origin: ORIGIN }), b.space('yard', { origin: ORIGIN })];
    await Promise.all([sa.subscribeRegion({ lat: ORIGIN.lat, lon: ORIGIN.lon, radiusM: 300 }), sb.subscribeRegion({ lat: ORIGIN.lat, lon: ORIGIN.lon, radiusM: 300 })]);
    const kept = await sa.anchors.create({ pose: { p: [1, 0, 1], q: [0, 0, 0, 1] }, props: { n: 1 } });
    await a.whenSynced();
    const before = await instant();
    const later = await sa.anchors.create({ pose: { p: [-100, 0, 50], q: [0, 0, 0, 1] }, props: { n: 2 } });
    await sa.anchors.update(kept.id, { n: 10 });
    await sa.anchors.delete(kept.id);
    await a.whenSynced();
    await until(() => sb.anchors.all().length === 1, 'bob to see the later state');

    b.goOffline();
    const offline = await sb.anchors.create({ pose: { p: [20, 0, 20], q: [0, 0, 0, 1] }, props: { n: 3 } });
    const res = await rest('POST', '/v1/spaces/yard/revert', tokens.alice, { at: before });
    expect(res.status).toBe(200);
    expect(res.body['scope']).toBe('space');
    await until(() => sa.anchors.all().map((x) => x.id).join() === kept.id, 'alice to see the space as it was');
    expect(sa.anchors.get(kept.id)!.props).toEqual({ n: 1 });
    expect(sa.anchors.get(later.id)).toBeUndefined();
    b.goOnline();
    await Promise.all([a.whenSynced(), b.whenSynced()]);
    const ids = [kept.id, offline.id].sort();
    await until(() => sa.anchors.all().map((x) => x.id).sort().join() === ids.join() && sb.anchors.all().map((x) => x.id).sort().join() === ids.join(), 'both to converge');
    expect(sb.anchors.get(kept.id)!.props).toEqual({ n: 1 });
    // The space read as of now agrees with the clients.
    const now = await sa.anchorsAt(new Date());
    expect(now.map((x) => x.id).sort()).toEqual(ids);
  });
});
