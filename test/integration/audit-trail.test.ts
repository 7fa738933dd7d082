/**
 * L4 end to end on a real server process, Postgres and Redis: a refused token, a read-only write, a sub to a
 * space the token lacks, a REST query, a /y upgrade refused for its Origin, and committed writes each leave
 * a row that `GET /v1/admin/audit` returns; the endpoint refuses anyone but the operator's CAIRN_ADMIN_TOKEN
 * and a token with the `adm` claim (its own tenant only); retention (CAIRN_AUDIT_RETENTION_DAYS) deletes the
 * rows older than the window when the node starts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import * as encoding from 'lib0/encoding';
import { PROTOCOL_VERSION, type ClientSocket } from '@cairn/shared';
import { createPgStore, issueToken, type Store } from '@cairn/server';
import { connectRaw, type RawClient } from '../support/raw-client.js';
import { isolatedEnv, SECRET, startServer, PG_URL, type ServerProcess } from '../support/server-process.js';
import { untilValue } from '../support/until.js';
import { mapUpdate } from '../support/yjs-updates.js';

const iso = isolatedEnv('it_audit');
const ADMIN = 'operator-admin-token-0123456789abcdef';
const DAY = 86_400_000;

let server: ServerProcess;
let store: Store;
const open: RawClient[] = [];
const tokens = { alice: '', expired: '', forged: '', boss: '', globexBoss: '', nul: '', yReader: '' };

interface Row { id: number; at: string; tenant: string | null; subject: string | null; clientId: string | null; action: string; space: string | null; doc: string | null; outcome: string; count: number; detail: Record<string, unknown> }

async function admin(query: string, token: string | null = ADMIN): Promise<{ status: number; body: { rows?: Row[]; next?: string | null; error?: { code: string } } }> {
  const res = await fetch(`${server.url}/v1/admin/audit${query}`, token === null ? {} : { headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, body: (await res.json()) as never };
}

/** The rows matching `where` once the node's audit log has flushed them (about a second). */
async function rowsWhere(query: string, where: (r: Row) => boolean, what: string): Promise<Row[]> {
  return untilValue(async () => ((await admin(query)).body.rows ?? []).filter(where), (rows) => rows.length > 0, what);
}

async function hello(token: string, clientId: string): Promise<RawClient> {
  const c = await connectRaw((u) => new WebSocket(`${server.wsUrl}${u}`) as unknown as ClientSocket, '/v1/sync');
  open.push(c);
  c.send({ type: 'hello', protocolVersion: PROTOCOL_VERSION, clientId, token });
  return c;
}

beforeAll(async () => {
  tokens.alice = await issueToken({ secret: SECRET, tenant: 'acme', subject: 'alice', spaces: { site: 'rw', lab: 'r' } });
  tokens.expired = await issueToken({ secret: SECRET, tenant: 'acme', subject: 'late', spaces: { '*': 'rw' }, expiresInSec: -60 });
  tokens.forged = await issueToken({ secret: 'another-secret-that-is-long-enough-000', tenant: 'acme', subject: 'mallory', spaces: { '*': 'rw' } });
  tokens.boss = await issueToken({ secret: SECRET, tenant: 'acme', subject: 'boss', spaces: {}, admin: true });
  tokens.globexBoss = await issueToken({ secret: SECRET, tenant: 'globex', subject: 'gboss', spaces: { '*': 'rw' }, admin: true });
  tokens.yReader = await issueToken({ secret: SECRET, tenant: 'acme', subject: 'y-reader', spaces: { default: 'r' } });
  tokens.nul = await issueToken({ secret: SECRET, tenant: 'acme', subject: 'nul\u0000\uD800name', spaces: { site: 'r' } });

  // Rows from before the server starts: two past the 1-day window, one inside it.
  store = createPgStore({ connectionString: PG_URL, schema: iso.schema, poolSize: 2 });
  await store.migrate();
  const base = { tenant: 'retention', subject: 's', clientId: null, node: 'old-node', action: 'connect', space: null, doc: null, outcome: 'ok', count: 1 };
  await store.appendAudit([
    { ...base, at: new Date(Date.now() - 3 * DAY), detail: { age: 'old' } },
    { ...base, at: new Date(Date.now() - 2 * DAY), detail: { age: 'old' } },
    { ...base, at: new Date(Date.now() - DAY / 2), detail: { age: 'recent' } },
  ]);
  server = await startServer({ ...iso.env, CAIRN_ADMIN_TOKEN: ADMIN, CAIRN_AUDIT_RETENTION_DAYS: '1' });
}, 60_000);

afterAll(async () => {
  for (const c of open) c.close();
  await server?.kill('SIGKILL');
  await store?.close();
  await iso.drop();
});

describe('L4: the audit trail on Postgres', () => {
  it('L4: a forged and an expired token are refused and each leaves an auth.refused row; the expired one names its owner', async () => {
    const forged = await hello(tokens.forged, 'forger-000000001');
    expect((await forged.next('reject')).code).toBe('UNAUTHENTICATED');
    const expired = await hello(tokens.expired, 'late-00000000001');
    expect((await expired.next('reject')).code).toBe('UNAUTHENTICATED');
    const [forgedRow] = await rowsWhere('?action=auth.refused', (r) => r.clientId === 'forger-000000001', 'the forged token row');
    const [expiredRow] = await rowsWhere('?action=auth.refused', (r) => r.clientId === 'late-00000000001', 'the expired token row');
    // A forged token's claims name nobody; an expired one's signature was checked, so its owner is known.
    expect(forgedRow).toMatchObject({ tenant: null, subject: null, outcome: 'UNAUTHENTICATED', detail: { endpoint: 'native', reason: expect.stringMatching(/: bad signature$/) } });
    expect(expiredRow).toMatchObject({ tenant: 'acme', subject: 'late', outcome: 'UNAUTHENTICATED', detail: { endpoint: 'native', reason: expect.stringMatching(/: expired$/) } });
  });

  it('L4: a connect, a read-only write, a sub outside the grants and committed writes each leave their row', async () => {
    const c = await hello(tokens.alice, 'alice-replica-01');
    await c.next('welcome');
    c.send({ type: 'push', doc: 'lab/notes', seq: 1, update: mapUpdate('k', 1) });
    expect(await c.next('reject', (f) => f.seq === 1)).toMatchObject({ code: 'READ_ONLY', doc: 'lab/notes' });
    c.send({ type: 'sub', doc: 'vault/keys', stateVector: new Uint8Array([0]) });
    expect(await c.next('reject', (f) => f.doc === 'vault/keys')).toMatchObject({ code: 'FORBIDDEN' });
    for (let seq = 2; seq <= 4; seq++) c.send({ type: 'push', doc: 'site/plan', seq, update: mapUpdate(`k${seq}`, seq) });
    await c.next('ack', (a) => a.seq === 4);

    const mine = (r: Row) => r.clientId === 'alice-replica-01';
    const [connect] = await rowsWhere('?tenant=acme&subject=alice&action=connect', mine, 'connect row');
    expect(connect).toMatchObject({ tenant: 'acme', subject: 'alice', outcome: 'ok', detail: { endpoint: 'native' } });
    const denials = await untilValue(async () => (await admin('?tenant=acme&action=access.denied')).body.rows!.filter(mine), (rows) => rows.length >= 2, 'both denials');
    expect(denials.find((r) => r.outcome === 'READ_ONLY')).toMatchObject({ subject: 'alice', space: 'lab', doc: 'lab/notes', detail: { op: 'write' } });
    expect(denials.find((r) => r.outcome === 'FORBIDDEN')).toMatchObject({ subject: 'alice', space: 'vault', doc: 'vault/keys', detail: { op: 'read' } });
    // Writes: one row per flush window, so the three pushes are one or a few rows covering versions 1-3.
    const writes = await untilValue(
      async () => (await admin('?tenant=acme&action=write')).body.rows!.filter(mine),
      (rows) => rows.reduce((n, r) => n + r.count, 0) === 3,
      'write rows for 3 pushes',
    );
    expect(writes.every((r) => r.doc === 'site/plan' && r.space === 'site' && r.outcome === 'ok')).toBe(true);
    expect(Math.min(...writes.map((r) => r.detail['fromVersion'] as number))).toBe(1);
    expect(Math.max(...writes.map((r) => r.detail['toVersion'] as number))).toBe(3);
  });

  it('L4: a REST query and a REST refusal each leave a row', async () => {
    const ok = await fetch(`${server.url}/v1/spaces/site/anchors?cell=u09`, { headers: { authorization: `Bearer ${tokens.alice}` } });
    expect(ok.status).toBe(200);
    const refused = await fetch(`${server.url}/v1/spaces/vault/anchors?cell=u09`, { headers: { authorization: `Bearer ${tokens.alice}` } });
    expect(refused.status).toBe(403);
    const [query] = await rowsWhere('?tenant=acme&action=rest.query', (r) => r.subject === 'alice', 'rest.query row');
    expect(query).toMatchObject({ space: 'site', outcome: 'ok', detail: { endpoint: 'rest', query: 'cell', results: 0 } });
    const [denied] = await rowsWhere('?tenant=acme&action=access.denied', (r) => r.detail['endpoint'] === 'rest', 'REST access.denied row');
    expect(denied).toMatchObject({ subject: 'alice', space: 'vault', outcome: 'FORBIDDEN', detail: { op: 'read' } });
  });

  it('L4: a /y upgrade from an Origin outside the allowlist leaves an upgrade.refused row', async () => {
    const res = await new Promise<number>((resolve) => {
      const ws = new WebSocket(`${server.wsUrl}/y/room?token=${tokens.alice}`, { headers: { origin: 'https://evil.example' } });
      ws.on('unexpected-response', (_req, r) => resolve(r.statusCode ?? 0));
      ws.on('error', () => undefined);
    });
    expect(res).toBe(403);
    const [row] = await rowsWhere('?action=upgrade.refused', (r) => r.detail['origin'] === 'https://evil.example', 'upgrade.refused row');
    expect(row).toMatchObject({ outcome: 'ORIGIN_NOT_ALLOWED', tenant: null, detail: { path: '/y/room' } });
  });

  it('L4: on /y/:room, a forged token, a connect and a read-only update each leave their row', async () => {
    const upgrade = (token: string) => new Promise<WebSocket | number>((resolve) => {
      const ws = new WebSocket(`${server.wsUrl}/y/board?token=${token}`);
      ws.on('unexpected-response', (_req, r) => resolve(r.statusCode ?? 0));
      ws.on('open', () => resolve(ws));
      ws.on('error', () => undefined);
    });
    expect(await upgrade(tokens.forged)).toBe(401);
    const ws = await upgrade(tokens.yReader);
    if (typeof ws === 'number') throw new Error(`upgrade refused: ${ws}`);
    // A y-protocols sync update (message 0, sync type 2) from a read-only token: dropped, never stored.
    const enc = encoding.createEncoder();
    encoding.writeVarUint(enc, 0);
    encoding.writeVarUint(enc, 2);
    encoding.writeVarUint8Array(enc, mapUpdate('y', 1));
    ws.send(encoding.toUint8Array(enc));
    try {
      const [refused] = await rowsWhere('?action=auth.refused', (r) => r.detail['endpoint'] === 'y-websocket', 'the /y auth.refused row');
      expect(refused).toMatchObject({ tenant: null, subject: null, outcome: 'UNAUTHENTICATED', detail: { path: '/y/board' } });
      const [connect] = await rowsWhere('?tenant=acme&subject=y-reader&action=connect', () => true, 'the /y connect row');
      expect(connect).toMatchObject({ space: 'default', doc: 'default/board', detail: { endpoint: 'y-websocket' } });
      expect(connect!.clientId).toMatch(/^yws-/);
      const [denied] = await rowsWhere('?tenant=acme&subject=y-reader&action=access.denied', () => true, 'the /y READ_ONLY row');
      expect(denied).toMatchObject({ outcome: 'READ_ONLY', doc: 'default/board', detail: { endpoint: 'y-websocket', op: 'write' } });
      expect(await store.headVersion('acme', 'default/board')).toBe(0);
    } finally {
      ws.close();
    }
  });

  it('L4: a subject with NUL and a lone surrogate is still written (cleaned), not the reason a batch fails', async () => {
    const c = await hello(tokens.nul, 'nul-replica-0001');
    await c.next('welcome');
    const [row] = await rowsWhere('?tenant=acme&action=connect', (r) => r.clientId === 'nul-replica-0001', 'connect row of the NUL subject');
    expect(row!.subject).toBe('nul\uFFFD\uFFFDname');
  });

  it('L4: the endpoint refuses no token (401), a token without adm (403), and a tenant admin asking for another tenant (403)', async () => {
    expect((await admin('', null)).status).toBe(401);
    expect((await admin('', 'not-the-admin-token-but-long-enough-0000')).status).toBe(401);
    const plain = await admin('', tokens.alice);
    expect(plain.status).toBe(403);
    expect(plain.body.error!.code).toBe('FORBIDDEN');
    expect((await admin('?tenant=globex', tokens.boss)).status).toBe(403);
    // The refusals are audited too.
    await rowsWhere('?tenant=acme&action=access.denied', (r) => r.subject === 'boss' && r.detail['askedTenant'] === 'globex', 'the tenant admin refusal');
  });

  it("L4: a tenant admin sees its own tenant's rows only; the operator sees every tenant; pages follow the cursor", async () => {
    await rowsWhere('?tenant=acme&action=write', () => true, 'acme rows');
    const own = await admin('?limit=1000', tokens.boss);
    expect(own.status).toBe(200);
    expect(own.body.rows!.length).toBeGreaterThan(0);
    expect(new Set(own.body.rows!.map((r) => r.tenant))).toEqual(new Set(['acme']));
    expect((await admin('?limit=1000', tokens.globexBoss)).body.rows!.every((r) => r.tenant === 'globex')).toBe(true);
    const everything = (await admin('?limit=1000')).body.rows!;
    expect(new Set(everything.map((r) => r.tenant))).toEqual(new Set(['acme', null, 'retention', ...everything.some((r) => r.tenant === 'globex') ? ['globex'] : []]));

    const paged: number[] = [];
    let cursor: string | null | undefined = undefined;
    do {
      const page = await admin(`?tenant=acme&limit=2${cursor ? `&cursor=${cursor}` : ''}`, tokens.boss);
      expect(page.body.rows!.length).toBeLessThanOrEqual(2);
      paged.push(...page.body.rows!.map((r) => r.id));
      cursor = page.body.next;
    } while (cursor);
    const once = (await admin('?tenant=acme&limit=1000')).body.rows!.map((r) => r.id);
    // Rows written while paging (this test's own audit.query rows) may add to the single answer, never to the pages.
    expect(paged.every((id) => once.includes(id))).toBe(true);
    expect(new Set(paged).size).toBe(paged.length);
    expect(paged.length).toBeGreaterThan(2);
    expect((await admin('?since=yesterday')).status).toBe(400);
    expect((await admin('?cursor=bm9wZQ')).status).toBe(400);
    expect((await admin('?limit=0')).status).toBe(400);
    expect((await admin('?tenat=acme')).status).toBe(400);
  });

  it('L4: retention deletes rows older than CAIRN_AUDIT_RETENTION_DAYS when the node starts, and keeps the rest', async () => {
    const rows = await untilValue(
      async () => (await admin('?tenant=retention')).body.rows!,
      (r) => r.length === 1,
      'only the recent row left',
    );
    expect(rows[0]!.detail).toEqual({ age: 'recent' });
  });
});
