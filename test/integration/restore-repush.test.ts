/**
 * L3 end to end on real Postgres and real server processes: commit, back up, commit more (acked), restore
 * the backup, restart the server, and the devices that reconnect push back everything they hold, so every
 * edit is on the server and on every device (M1). Two backups: pg_dump of the database (dropped and created
 * again from the dump, then `cairn-server new-epoch`, as docs/OPERATIONS.md says), and `cairn-server
 * export` imported into a fresh database (the import sets the epoch).
 *
 * Devices: A and C are Alice's, B and D Bob's (two principals, so a device pushes back Yjs clients another
 * principal owns: C5 refuses those until their owner pushed, and the re-push is retried). C is offline from
 * the backup on and edits during the gap; D's acked edit after the backup is in a doc no other device holds.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import * as Y from 'yjs';
import pg from 'pg';
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { createCairnClient, type CairnClient } from '@cairn/client';
import { issueToken } from '@cairn/server';
import type { ClientSocket } from '@cairn/shared';
import { createPgStore } from '../../packages/server/src/store/pg-store.js';
import { freePort, SECRET, startServer, type ServerProcess } from '../support/server-process.js';
import { until } from '../support/until.js';

const ADMIN_URL = process.env.CAIRN_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const BIN = fileURLToPath(new URL('../../packages/server/dist/cli/bin.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'cairn-restore-'));
const databases: string[] = [];
let alice: string;
let bob: string;

function dbUrl(db: string): string {
  const u = new URL(ADMIN_URL);
  u.pathname = `/${db}`;
  return u.toString();
}

async function admin(sql: string): Promise<void> {
  const c = new pg.Client({ connectionString: ADMIN_URL });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

function run(cmd: string, args: string[], env: Record<string, string> = {}): string {
  const r = spawnSync(cmd, args, { env: { ...process.env, ...env }, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  return `${r.stdout}${r.stderr}`;
}

function cli(db: string, args: string[]): string {
  return run(process.execPath, [BIN, ...args], { DATABASE_URL: dbUrl(db), CAIRN_AUTH_SECRET: SECRET, LOG_LEVEL: 'warn' });
}

beforeAll(async () => {
  alice = await issueToken({ secret: SECRET, tenant: 'acme', subject: 'alice', spaces: { '*': 'rw' } });
  bob = await issueToken({ secret: SECRET, tenant: 'acme', subject: 'bob', spaces: { '*': 'rw' } });
});

afterAll(async () => {
  for (const db of databases) await admin(`DROP DATABASE IF EXISTS "${db}" WITH (FORCE)`);
  rmSync(dir, { recursive: true, force: true });
});

function device(port: number, token: string): CairnClient {
  return createCairnClient({
    url: `ws://127.0.0.1:${port}/v1/sync`,
    token,
    indexedDB: new IDBFactory(),
    IDBKeyRange,
    socket: (url) => new WebSocket(url) as unknown as ClientSocket,
    broadcastChannel: null,
    networkEvents: null,
    probe: null,
    backoff: { baseMs: 100, capMs: 1000 },
  });
}

const keysOf = (d: Y.Doc) => [...d.getMap('m').keys()].sort();

async function settled(c: CairnClient): Promise<void> {
  await until(() => c.status.state === 'synced' && c.status.pending === 0, 'a device to be synced with an empty outbox', 60_000);
}

interface Backup {
  take(db: string): void;
  /** Puts the backup in place of `db` (the server is stopped); returns the database to start on. */
  restore(db: string): Promise<string>;
}

const pgDump: Backup = {
  take(db) {
    run('pg_dump', ['-Fc', '-f', join(dir, `${db}.dump`), dbUrl(db)]);
  },
  async restore(db) {
    await admin(`DROP DATABASE "${db}" WITH (FORCE)`);
    await admin(`CREATE DATABASE "${db}"`);
    run('pg_restore', ['--no-owner', '-d', dbUrl(db), join(dir, `${db}.dump`)]);
    // The dump holds the epoch of its time: the documented procedure marks the restore.
    expect(cli(db, ['new-epoch'])).toContain('new epoch');
    return db;
  },
};

const exportImport: Backup = {
  take(db) {
    cli(db, ['export', '--tenant', 'acme', '--out', join(dir, `${db}.ndjson`)]);
  },
  async restore(db) {
    const fresh = `${db}_fresh`;
    databases.push(fresh);
    await admin(`CREATE DATABASE "${fresh}"`);
    expect(cli(fresh, ['import', join(dir, `${db}.ndjson`)])).toContain('new epoch');
    return fresh;
  },
};

describe.each([['pg_dump and new-epoch', pgDump], ['export and import', exportImport]] as const)('L3 after a restore (%s)', (_, backup) => {
  it('L3, M1, C1, C5: every acked edit any device holds is back on the server and on every device after the restore', async () => {
    const db = `cairn_restore_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
    databases.push(db);
    await admin(`CREATE DATABASE "${db}"`);
    const port = await freePort();
    let server: ServerProcess = await startServer({ DATABASE_URL: dbUrl(db), CAIRN_AUTH_SECRET: SECRET }, { port });
    const a = device(port, alice);
    const b = device(port, bob);
    const c = device(port, alice);
    const d = device(port, bob);
    try {
      const [da, db_, dc] = await Promise.all([a.open('site/notes'), b.open('site/notes'), c.open('site/notes')]);
      const dd = await d.open('site/private');
      da.getMap('m').set('a1', 1);
      db_.getMap('m').set('b1', 1);
      dc.getMap('m').set('c1', 1);
      dd.getMap('m').set('d1', 1);
      for (const x of [a, b, c, d]) await settled(x);
      await until(() => keysOf(da).length === 3 && keysOf(db_).length === 3 && keysOf(dc).length === 3, 'the first edits everywhere');

      backup.take(db);

      c.goOffline();
      da.getMap('m').set('a2', 2);
      db_.getMap('m').set('b2', 2);
      dd.getMap('m').set('d2', 2); // acked, and only D holds this doc
      for (const x of [a, b, d]) await settled(x);
      await until(() => keysOf(da).length === 5 && keysOf(db_).length === 5, 'the acked edits after the backup');
      dc.getMap('m').set('c2', 2); // offline during the gap
      await c.flush();

      await server.kill('SIGKILL');
      const restored = await backup.restore(db);
      const store = createPgStore({ connectionString: dbUrl(restored), poolSize: 2 });
      try {
        // The backup really lacks the later edits.
        const before = new Y.Doc();
        for (const r of await store.loadUpdates('acme', 'site/notes', 0)) Y.applyUpdate(before, r.update);
        expect(keysOf(before)).toEqual(['a1', 'b1', 'c1']);
        server = await startServer({ DATABASE_URL: dbUrl(restored), CAIRN_AUTH_SECRET: SECRET }, { port });
        c.goOnline();
        for (const x of [a, b, c, d]) await settled(x);

        const all = ['a1', 'a2', 'b1', 'b2', 'c1', 'c2'];
        await until(async () => {
          const doc = new Y.Doc();
          for (const r of await store.loadUpdates('acme', 'site/notes', 0)) Y.applyUpdate(doc, r.update);
          return keysOf(doc).join() === all.join();
        }, 'every edit of site/notes back on the server', 60_000);
        for (const x of [a, b, c, d]) await settled(x);
        await until(() => [da, db_, dc].every((y) => keysOf(y).join() === all.join()), 'every device to hold every edit', 30_000);
        const onServer = new Y.Doc();
        for (const r of await store.loadUpdates('acme', 'site/notes', 0)) Y.applyUpdate(onServer, r.update);
        // M1: every replica equals the doc rebuilt from the Postgres rows.
        for (const y of [da, db_, dc]) {
          expect(Y.encodeStateVector(y)).toEqual(Y.encodeStateVector(onServer));
          expect(y.getMap('m').toJSON()).toEqual(onServer.getMap('m').toJSON());
        }
        const priv = new Y.Doc();
        for (const r of await store.loadUpdates('acme', 'site/private', 0)) Y.applyUpdate(priv, r.update);
        expect(keysOf(priv)).toEqual(['d1', 'd2']);
        // O7: nothing ended in a dead letter.
        for (const x of [a, b, c, d]) expect(await x.deadLetters.list()).toEqual([]);
      } finally {
        await store.close();
      }
    } finally {
      await Promise.all([a, b, c, d].map((x) => x.destroy()));
      await server.kill('SIGKILL');
    }
  }, 180_000);
});
