/**
 * L2 end to end: two real server processes on the real Postgres and Redis of this machine, real clients
 * (Dexie on fake-indexeddb, `ws` sockets), REST over HTTP, a stock y-websocket provider. A space deleted
 * on node A reaches the clients of both nodes at once and an offline one at its next sub; reads are 410;
 * a restore brings the doc back; a hard purge leaves no row of it in any cairn_ table but the audit trail
 * and the deletion tombstone.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Dexie } from 'dexie';
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import pg from 'pg';
import WebSocket from 'ws';
import * as Y from 'yjs';
import { WebsocketProvider } from 'y-websocket';
import type { CairnClient, DocDeleted } from '@cairn/client';
import { createPgStore, issueToken } from '@cairn/server';
import { runPurgeCli } from '../../packages/server/src/admin/purge-command.js';
import { nodeClient } from '../support/node-client.js';
import { isolatedEnv, PG_URL, SECRET, startServer, type ServerProcess } from '../support/server-process.js';
import { until } from '../support/until.js';

const iso = isolatedEnv('it_delete_space');
let a: ServerProcess;
let b: ServerProcess;
let token: string;
const clients: CairnClient[] = [];

function client(node: ServerProcess, idb = new IDBFactory()) {
  const c = nodeClient(node, token, { indexedDB: idb });
  clients.push(c);
  const deleted: DocDeleted[] = [];
  c.on('doc-deleted', (e) => deleted.push(e));
  return { c, idb, deleted };
}

/** Rows of the space's docs in the replica's IndexedDB (docs, updates, version keys, outbox). */
async function replicaRows(idb: IDBFactory, space: string): Promise<number> {
  const db = new Dexie('cairn', { indexedDB: idb, IDBKeyRange });
  await db.open();
  try {
    const mine = (doc: string) => doc.startsWith(`${space}/`);
    const docs = (await db.table('docs').toArray()).filter((r: { doc: string }) => mine(r.doc)).length;
    const updates = (await db.table('updates').toArray()).filter((r: { doc: string }) => mine(r.doc)).length;
    const versions = (await db.table('meta').toArray()).filter((r: { key: string }) => r.key.startsWith(`version:${space}/`)).length;
    const outbox = (await db.table('outbox').toArray()).filter((r: { doc: string }) => mine(r.doc)).length;
    return docs + updates + versions + outbox;
  } finally {
    db.close();
  }
}

/** An answer's JSON, as the routes of PROTOCOL.md sections 7, 9 and 10 shape it. */
interface Body {
  deletion?: Record<string, string | null>;
  deletions?: Record<string, string | null>[];
  anchors?: unknown[];
  error?: { code: string };
}

async function rest(node: ServerProcess, method: string, path: string): Promise<{ status: number; body: Body }> {
  const res = await fetch(`${node.url}${path}`, { method, headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, body: (await res.json()) as Body };
}

async function sql<T extends pg.QueryResultRow>(text: string, params: unknown[] = []): Promise<T[]> {
  const db = new pg.Client({ connectionString: PG_URL, options: `-c search_path=${iso.schema}` });
  await db.connect();
  try {
    return (await db.query<T>(text, params)).rows;
  } finally {
    await db.end();
  }
}

beforeAll(async () => {
  token = await issueToken({ secret: SECRET, tenant: 'acme', subject: 'tester', spaces: { '*': 'rw' } });
  [a, b] = await Promise.all([startServer({ ...iso.env, CAIRN_NODE_ID: 'node-a' }), startServer({ ...iso.env, CAIRN_NODE_ID: 'node-b' })]);
}, 60_000);

afterAll(async () => {
  await Promise.all(clients.splice(0).map((c) => c.destroy()));
  await Promise.all([a?.kill('SIGKILL'), b?.kill('SIGKILL')]);
  await iso.drop();
});

describe('L2: deleting a space with two nodes on Postgres and Redis', () => {
  it('L2/O7: clients on both nodes drop their copy at once, an offline one at its next sub with its edit dead-lettered; reads are 410; a restore brings it back', async () => {
    const onA = client(a);
    const notesA = await onA.c.open('plaza/notes');
    notesA.getMap('m').set('written', 'on A');
    await onA.c.whenSynced();

    const onB = client(b);
    const notesB = await onB.c.open('plaza/notes');
    await onB.c.open('plaza/plan');
    await until(() => notesB.getMap('m').get('written') === 'on A', 'the note reaches the client on node B');

    const offline = client(b);
    const notesOff = await offline.c.open('plaza/notes');
    await until(() => notesOff.getMap('m').get('written') === 'on A', 'the offline-to-be client has the note');
    offline.c.goOffline();
    notesOff.getMap('m').set('pending', 'offline edit');
    await offline.c.flush();
    expect(offline.c.status.pending).toBe(1);
    expect(await replicaRows(onA.idb, 'plaza')).toBeGreaterThan(0);
    expect(await replicaRows(onB.idb, 'plaza')).toBeGreaterThan(0);

    const del = await rest(a, 'DELETE', '/v1/spaces/plaza');
    expect(del.status).toBe(200);
    expect(del.body.deletion).toMatchObject({ space: 'plaza', doc: null, deletedBy: 'tester', restoredAt: null, purgedAt: null });
    expect(Date.parse(del.body.deletion!.purgeAfter!) - Date.parse(del.body.deletion!.deletedAt!)).toBe(30 * 86_400_000);

    // Connected: told at once, on the node of the DELETE and on the other one (over Redis).
    await until(() => onA.deleted.length === 1, 'the client on node A is told');
    await until(() => onB.deleted.length === 2, 'the client on node B is told of both its docs');
    expect(onA.deleted[0]).toMatchObject({ doc: 'plaza/notes', space: 'plaza', deadLetters: 0 });
    expect(onB.deleted.map((e) => e.doc).sort()).toEqual(['plaza/notes', 'plaza/plan']);
    expect(await replicaRows(onA.idb, 'plaza')).toBe(0);
    expect(await replicaRows(onB.idb, 'plaza')).toBe(0);

    // Offline: told at its next sub; its pending edit is a dead letter, never dropped silently (O7).
    offline.c.goOnline();
    await until(() => offline.deleted.length === 1, 'the offline client is told when it reconnects');
    expect(offline.deleted[0]).toMatchObject({ doc: 'plaza/notes', deadLetters: 1 });
    await until(() => offline.c.status.pending === 0 && offline.c.status.undeliverable === 1, 'the edit is a dead letter');
    expect((await offline.c.deadLetters.list()).map((d) => [d.doc, d.code])).toEqual([['plaza/notes', 'DOC_DELETED']]);
    expect(await replicaRows(offline.idb, 'plaza')).toBe(0);

    // REST reads: 410 DOC_DELETED on either node; the listing says what is deleted.
    for (const path of ['/v1/spaces/plaza/docs/notes?at=1', '/v1/spaces/plaza/docs/notes/changes', '/v1/spaces/plaza/anchors?cell=u']) {
      const r = await rest(b, 'GET', path);
      expect([path, r.status, r.body.error?.code]).toEqual([path, 410, 'DOC_DELETED']);
    }
    const listed = await rest(b, 'GET', '/v1/spaces/plaza/deleted');
    expect(listed.body.deletions).toMatchObject([{ space: 'plaza', doc: null }]);

    // Restore on node B: a new subscriber on node A gets the doc back whole.
    expect((await rest(b, 'POST', '/v1/spaces/plaza/restore')).status).toBe(200);
    expect((await rest(b, 'POST', '/v1/spaces/plaza/restore')).status).toBe(404);
    const fresh = client(a);
    const back = await fresh.c.open('plaza/notes');
    await fresh.c.whenSynced();
    expect(back.getMap('m').toJSON()).toEqual({ written: 'on A' });
    expect((await rest(a, 'GET', '/v1/spaces/plaza/docs/notes?at=1')).status).toBe(200);
    // L4: an audit row for the delete and one for the restore.
    // (Written in batches off the commit path: wait for both.)
    const audit = () => sql<{ action: string; node: string }>(`SELECT action, node FROM cairn_audit WHERE tenant = 'acme' AND space = 'plaza' AND action IN ('delete', 'restore') ORDER BY action`);
    await until(async () => (await audit()).length === 2, 'the audit rows are written');
    expect(await audit()).toEqual([{ action: 'delete', node: 'node-a' }, { action: 'restore', node: 'node-b' }]);
  });

  it('L2: a stock y-websocket provider on /y is closed with 4035 when its doc is deleted, and refused when it reconnects', async () => {
    const ydoc = new Y.Doc();
    const provider = new WebsocketProvider(`${a.wsUrl}/y`, 'board', ydoc, { WebSocketPolyfill: WebSocket as never, params: { token }, disableBc: true });
    const closes: number[] = [];
    provider.on('connection-close', (event: CloseEvent | null) => {
      if (event) closes.push(event.code);
    });
    try {
      await until(() => provider.synced, 'the provider syncs');
      ydoc.getMap('m').set('k', 1);
      expect((await rest(b, 'DELETE', '/v1/spaces/default/docs/board')).status).toBe(200);
      await until(() => closes.length >= 2, 'closed, then refused at the reconnect', 15_000);
      expect(closes.slice(0, 2)).toEqual([4035, 4035]);
    } finally {
      provider.destroy();
      ydoc.destroy();
    }
  });

  it('L2: a hard purge after the grace period leaves no row of the space in any cairn_ table but the audit trail and its tombstone', async () => {
    const writer = client(a);
    const space = writer.c.space('gone', { origin: { lat: 48.85, lon: 2.35, alt: 0 } });
    const anchor = await space.anchors.create({ pose: { p: [1, 0, -2], q: [0, 0, 0, 1] } });
    const notes = await writer.c.open('gone/notes');
    notes.getMap('m').set('k', 1);
    await writer.c.whenSynced();
    const cellDoc = `gone/cell/${anchor.cell}`;
    // The read model caught up (anchors, entries, space, progress rows exist), and a quarantine record too.
    await until(async () => (await rest(b, 'GET', `/v1/spaces/gone/anchors?cell=${anchor.cell}`)).body.anchors?.length === 1, 'the read model has the anchor');
    const store = createPgStore({ connectionString: PG_URL, schema: iso.schema });
    try {
      expect(await store.quarantine('acme', 'gone/notes', 1, 'test record')).toBe(true);
      const keeper = client(b);
      await keeper.c.open('kept/doc').then((d) => d.getMap('m').set('stays', true));
      await keeper.c.whenSynced();

      expect((await rest(b, 'DELETE', '/v1/spaces/gone')).status).toBe(200);
      // The writer holds the meta doc and the notes open (the cell doc closed after the create).
      await until(() => writer.deleted.length === 2, 'the writer drops the meta doc and the notes');
      const writerId = writer.c.clientId!;
      const tables = (await sql<{ table_name: string }>(
        `SELECT table_name FROM information_schema.tables WHERE table_schema = $1 AND table_name LIKE 'cairn\\_%' AND table_name <> 'cairn_migrations' ORDER BY 1`, [iso.schema],
      )).map((r) => r.table_name);
      const rowsOf = async () => {
        const out: Record<string, number> = {};
        for (const t of tables) {
          if (t === 'cairn_audit' || t === 'cairn_deletions') continue;
          const cols = (await sql<{ column_name: string }>(`SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2`, [iso.schema, t])).map((r) => r.column_name);
          if (!cols.includes('tenant')) continue; // cairn_epoch: the database's, no tenant's
          const where = cols.includes('doc') ? `doc LIKE 'gone/%'` : cols.includes('space') ? `space = 'gone'` : `client_id = '${writerId}'`;
          out[t] = Number((await sql<{ n: string }>(`SELECT count(*) AS n FROM ${t} WHERE tenant = 'acme' AND ${where}`))[0]!.n);
        }
        return out;
      };
      // Each table holds something of it (snapshots aside: too few versions for one), once the read model
      // has caught up with the meta doc too.
      const held = ['cairn_updates', 'cairn_docs', 'cairn_quarantine', 'cairn_anchors', 'cairn_anchor_entries', 'cairn_spaces', 'cairn_readmodel_progress', 'cairn_client_owners'];
      await until(async () => {
        const before = await rowsOf();
        return held.every((t) => before[t]! > 0);
      }, 'rows of the space in every table');

      // Not due yet: nothing goes. 31 days on, the space goes.
      const out: string[] = [];
      expect(await runPurgeCli([], store, (t) => out.push(t))).toBe(0);
      expect(out.at(-1)).toMatch(/^purged 0 deletion/);
      expect(await runPurgeCli([], store, (t) => out.push(t), () => Date.now() + 31 * 86_400_000)).toBe(0);
      // 'gone' (meta, cell and notes docs), and the y-websocket test's doc when it ran before this one.
      expect(out.at(-1)).toMatch(/^purged [12] deletion\(s\): [34] doc\(s\)/);

      const after = await rowsOf();
      expect(after).toEqual(Object.fromEntries(Object.keys(after).map((t) => [t, 0])));
      expect(await store.headVersion('acme', cellDoc)).toBe(0);
      expect(await store.headVersion('acme', 'kept/doc')).toBe(1);
      const tombstone = await sql<{ doc: string; purged: boolean }>(`SELECT doc, purged_at IS NOT NULL AS purged FROM cairn_deletions WHERE tenant = 'acme' AND space = 'gone'`);
      expect(tombstone).toEqual([{ doc: '', purged: true }]);
      const audit = () => sql<{ action: string }>(`SELECT action FROM cairn_audit WHERE tenant = 'acme' AND space = 'gone' AND action IN ('delete', 'purge') ORDER BY action`);
      await until(async () => (await audit()).length === 2, 'the delete row (batched by node B) and the purge row');
      expect((await audit()).map((r) => r.action)).toEqual(['delete', 'purge']);

      // The name stays refused after the purge (docs/DECISIONS.md): a new subscriber is told, never handed version 1 of another doc.
      const late = client(b);
      await late.c.open('gone/notes');
      await until(() => late.deleted.length === 1, 'refused after the purge too');
      expect((await rest(a, 'POST', '/v1/spaces/gone/restore')).body.error?.code).toBe('DOC_DELETED');
    } finally {
      await store.close();
    }
  });
});
