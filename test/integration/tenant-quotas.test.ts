/**
 * Per-tenant quotas on a real server process, on Postgres as the tenant-scoped app role under row-level
 * security (CAIRN_MIGRATE_URL is the owner): each refusal carries its own code, a refused push is never
 * stored and goes to the client's dead letters (O7), and nothing acked before it is lost.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { PROTOCOL_VERSION, closeCodeFor, type ClientSocket } from '@cairn/shared';
import { createPgStore, issueToken, type Store } from '@cairn/server';
import { connectRaw, type RawClient } from '../support/raw-client.js';
import { nodeClient } from '../support/node-client.js';
import { isolatedEnv, PG_URL, SECRET, startServer, type ServerProcess } from '../support/server-process.js';
import { APP_ROLE, OWNER_ROLE, prepareRoles, urlAs } from '../support/pg-roles.js';
import { mapUpdate } from '../support/yjs-updates.js';
import { untilValue } from '../support/until.js';

const iso = isolatedEnv('it_quotas');
const BYTE_QUOTA = 4_000;
let server: ServerProcess;
let store: Store;

const token = (tenant: string) => issueToken({ secret: SECRET, tenant, subject: `w-${tenant}`, spaces: { '*': 'rw' } });

async function hello(tenant: string, clientId: string): Promise<RawClient> {
  const c = await connectRaw((u) => new WebSocket(`${server.wsUrl}${u}`) as unknown as ClientSocket, '/v1/sync');
  c.send({ type: 'hello', protocolVersion: PROTOCOL_VERSION, clientId, token: await token(tenant) });
  return c;
}

beforeAll(async () => {
  await prepareRoles(iso.schema);
  server = await startServer({
    ...iso.env,
    DATABASE_URL: urlAs(APP_ROLE),
    CAIRN_MIGRATE_URL: urlAs(OWNER_ROLE),
    CAIRN_QUOTA_DOCS: '2',
    CAIRN_QUOTA_BYTES: String(BYTE_QUOTA),
    CAIRN_QUOTA_CONNECTIONS: '2',
  });
  // The test reads as the superuser: it sees every tenant (superusers skip row-level security).
  store = createPgStore({ connectionString: PG_URL, schema: iso.schema });
}, 60_000);

afterAll(async () => {
  await store?.close();
  await server?.kill('SIGKILL');
  await iso.drop();
});

describe('per-tenant quotas on the app role under row-level security', () => {
  it('DOC_QUOTA_EXCEEDED: a push that would create a third doc is refused with its seq and not stored; the two docs keep taking pushes', async () => {
    const c = await hello('q-docs', 'docs-client-1');
    await c.next('welcome');
    c.send({ type: 'push', doc: 'site/one', seq: 1, update: mapUpdate('a', 1) });
    expect(await c.next('ack')).toMatchObject({ seq: 1 });
    c.send({ type: 'push', doc: 'site/two', seq: 2, update: mapUpdate('b', 2) });
    expect(await c.next('ack')).toMatchObject({ seq: 2 });
    c.send({ type: 'push', doc: 'site/three', seq: 3, update: mapUpdate('c', 3) });
    expect(await c.next('reject')).toMatchObject({ seq: 3, code: 'DOC_QUOTA_EXCEEDED' });
    c.send({ type: 'push', doc: 'site/one', seq: 4, update: mapUpdate('d', 4) });
    expect(await c.next('ack')).toMatchObject({ seq: 4 });
    c.close();
    expect(await store.headVersion('q-docs', 'site/three')).toBe(0);
    expect([await store.headVersion('q-docs', 'site/one'), await store.headVersion('q-docs', 'site/two')]).toEqual([2, 1]);
    expect((await store.tenantUsage('q-docs')).docs).toBe(2);
    // Another tenant's docs are its own count.
    const other = await hello('q-docs-other', 'docs-client-2');
    await other.next('welcome');
    other.send({ type: 'push', doc: 'site/three', seq: 1, update: mapUpdate('e', 1) });
    expect(await other.next('ack')).toMatchObject({ seq: 1 });
    other.close();
  });

  it('BYTE_QUOTA_EXCEEDED: the client dead-letters the push past the quota with its code; every edit acked before it is stored', async () => {
    const client = nodeClient(server, await token('q-bytes'));
    const doc = await client.open('site/notes');
    const chunk = 'x'.repeat(900);
    for (let i = 0; i < 4; i++) {
      doc.getMap('m').set(`k${i}`, chunk);
      await client.whenSynced();
    }
    const acked = await store.tenantUsage('q-bytes');
    expect(acked.bytes).toBeGreaterThan(3_600);
    expect(acked.bytes).toBeLessThanOrEqual(BYTE_QUOTA);
    doc.getMap('m').set('over', chunk);
    await expect(client.whenSynced()).rejects.toMatchObject({ code: 'UNDELIVERABLE' });
    expect((await client.deadLetters.list()).map((d) => d.code)).toEqual(['BYTE_QUOTA_EXCEEDED']);
    expect(client.status.pending).toBe(0);
    // Nothing of the refused push was stored; every key acked before it is in the log.
    expect(await store.tenantUsage('q-bytes')).toEqual(acked);
    const stored = await store.loadUpdates('q-bytes', 'site/notes', 0);
    expect(stored).toHaveLength(4);
    await client.destroy();
  }, 30_000);

  it('CONNECTION_QUOTA_EXCEEDED: a third socket of one tenant on the node is refused and closed; a slot frees when a socket closes', async () => {
    const [a, b] = [await hello('q-conn', 'conn-client-1'), await hello('q-conn', 'conn-client-2')];
    await Promise.all([a.next('welcome'), b.next('welcome')]);
    const third = await hello('q-conn', 'conn-client-3');
    expect(await third.next('reject')).toMatchObject({ code: 'CONNECTION_QUOTA_EXCEEDED' });
    expect((await third.closed).code).toBe(closeCodeFor('CONNECTION_QUOTA_EXCEEDED'));
    const otherTenant = await hello('q-conn-other', 'conn-client-4');
    await otherTenant.next('welcome');
    a.close();
    await a.closed;
    // The server sees the close a moment later: the next hello may race it, so try until it gets in.
    let again: RawClient | null = null;
    for (let i = 0; i < 50 && again === null; i++) {
      const c = await hello('q-conn', `conn-client-5-${i}`);
      again = await c.next('welcome', undefined, 2_000).then(() => c, () => null);
      if (again === null) await new Promise((r) => setTimeout(r, 50));
    }
    expect(again).not.toBeNull();
    // The /y endpoint counts against the same quota: its socket is closed right after the upgrade.
    const y = new WebSocket(`${server.wsUrl}/y/room-q?token=${await token('q-conn')}`);
    const yClosed = await new Promise<number>((resolve) => y.once('close', (code) => resolve(code)));
    expect(yClosed).toBe(closeCodeFor('CONNECTION_QUOTA_EXCEEDED'));
    // L4: each refused connection is a connect row with the quota's code, on both endpoints, never an 'ok' one.
    const refusedAt = (rows: { detail: Readonly<Record<string, unknown>>; outcome: string }[], endpoint: string) =>
      rows.filter((r) => r.detail['endpoint'] === endpoint).map((r) => r.outcome);
    const rows = await untilValue(
      async () => (await store!.queryAudit({ tenant: 'q-conn', action: 'connect', limit: 100 })).rows,
      (r) => refusedAt(r, 'y-websocket').length > 0,
      'the /y connect row',
    );
    expect(refusedAt(rows, 'y-websocket')).toEqual(['CONNECTION_QUOTA_EXCEEDED']);
    expect(refusedAt(rows, 'native')).toContain('CONNECTION_QUOTA_EXCEEDED');
    for (const c of [b, otherTenant, again!]) c.close();
  });
});
