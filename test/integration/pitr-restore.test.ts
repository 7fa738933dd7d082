/**
 * L3 with Postgres point-in-time recovery, the procedure of docs/OPERATIONS.md run for real: a temporary
 * cluster under /tmp (initdb as the postgres OS user; the machine's main cluster is not touched) with WAL
 * archiving, a base backup, edits acked after the recovery target, recovery to that time, `cairn-server
 * new-epoch`, and the devices that reconnect push back what the recovered database lacks. Skipped where the
 * Debian Postgres binaries or root (to run them as postgres) are missing.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
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

const PG_BIN = '/usr/lib/postgresql/15/bin';
const BIN = fileURLToPath(new URL('../../packages/server/dist/cli/bin.js', import.meta.url));
const usable = existsSync(join(PG_BIN, 'initdb')) && process.getuid?.() === 0;
const root = usable ? mkdtempSync('/tmp/cairn-pitr-') : '';
let pgPort = 0;

function asPostgres(cmd: string, args: string[]): string {
  const r = spawnSync('runuser', ['-u', 'postgres', '--', join(PG_BIN, cmd), ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

const url = () => `postgres://postgres@127.0.0.1:${pgPort}/postgres`;

async function sql(text: string): Promise<pg.QueryResult> {
  const c = new pg.Client({ connectionString: url() });
  await c.connect();
  try {
    return await c.query(text);
  } finally {
    await c.end();
  }
}

function device(port: number, token: string): CairnClient {
  return createCairnClient({
    url: `ws://127.0.0.1:${port}/v1/sync`, token, indexedDB: new IDBFactory(), IDBKeyRange,
    socket: (u) => new WebSocket(u) as unknown as ClientSocket, broadcastChannel: null, networkEvents: null, probe: null,
    backoff: { baseMs: 100, capMs: 1000 },
  });
}

afterAll(() => {
  if (!usable) return;
  for (const d of ['data', 'data-before']) spawnSync('runuser', ['-u', 'postgres', '--', join(PG_BIN, 'pg_ctl'), '-D', join(root, d), 'stop', '-m', 'immediate']);
  rmSync(root, { recursive: true, force: true });
});

const keysOf = (d: Y.Doc) => [...d.getMap('m').keys()].sort();

describe.skipIf(!usable)('L3 after a point-in-time recovery', () => {
  it('L3, M1: recovered to a time before acked edits, the devices push them back after new-epoch', async () => {
    pgPort = await freePort();
    const data = join(root, 'data');
    const wal = join(root, 'wal');
    mkdirSync(wal);
    execFileSync('chown', ['-R', 'postgres:postgres', root]);
    asPostgres('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres']);
    appendFileSync(join(data, 'postgresql.conf'), [
      `port = ${pgPort}`, `listen_addresses = '127.0.0.1'`, `unix_socket_directories = '${root}'`,
      'wal_level = replica', 'archive_mode = on', `archive_command = 'test ! -f ${wal}/%f && cp %p ${wal}/%f'`, 'fsync = off', '',
    ].join('\n'));
    asPostgres('pg_ctl', ['-D', data, '-l', join(root, 'log'), '-w', 'start']);

    const port = await freePort();
    const env = { DATABASE_URL: url(), CAIRN_AUTH_SECRET: SECRET };
    let server: ServerProcess = await startServer(env, { port });
    const alice = await issueToken({ secret: SECRET, tenant: 'acme', subject: 'alice', spaces: { '*': 'rw' } });
    const bob = await issueToken({ secret: SECRET, tenant: 'acme', subject: 'bob', spaces: { '*': 'rw' } });
    const a = device(port, alice);
    const b = device(port, bob);
    const synced = (c: CairnClient) => until(() => c.status.state === 'synced' && c.status.pending === 0, 'synced', 60_000);
    try {
      const [da, db] = await Promise.all([a.open('site/notes'), b.open('site/notes')]);
      da.getMap('m').set('a1', 1);
      db.getMap('m').set('b1', 1);
      await synced(a);
      await synced(b);
      asPostgres('pg_basebackup', ['-h', root, '-p', String(pgPort), '-U', 'postgres', '-D', join(root, 'base'), '-X', 'fetch']);
      await new Promise((r) => setTimeout(r, 1100));
      const target = (await sql('SELECT now()::text AS t')).rows[0].t as string;
      await new Promise((r) => setTimeout(r, 1100));
      da.getMap('m').set('a2', 2);
      db.getMap('m').set('b2', 2);
      await synced(a);
      await synced(b);
      await until(() => keysOf(da).length === 4 && keysOf(db).length === 4, 'the later edits acked everywhere');
      await sql('SELECT pg_switch_wal()');
      await until(async () => (await sql('SELECT last_archived_wal IS NOT NULL AND failed_count = 0 AS ok FROM pg_stat_archiver')).rows[0].ok === true, 'the WAL archived', 30_000);
      await sql('SELECT pg_switch_wal()');
      await new Promise((r) => setTimeout(r, 1000));

      await server.kill('SIGKILL');
      asPostgres('pg_ctl', ['-D', data, '-m', 'fast', 'stop']);
      renameSync(data, join(root, 'data-before'));
      renameSync(join(root, 'base'), data);
      appendFileSync(join(data, 'postgresql.auto.conf'), `restore_command = 'cp ${wal}/%f %p'\nrecovery_target_time = '${target}'\nrecovery_target_action = 'promote'\n`);
      writeFileSync(join(data, 'recovery.signal'), '');
      execFileSync('chown', ['-R', 'postgres:postgres', data]);
      asPostgres('pg_ctl', ['-D', data, '-l', join(root, 'log-recovered'), '-w', '-t', '120', 'start']);
      await until(async () => (await sql('SELECT pg_is_in_recovery() AS r')).rows[0].r === false, 'promotion', 60_000);

      const store = createPgStore({ connectionString: url(), poolSize: 2 });
      try {
        const recovered = new Y.Doc();
        for (const r of await store.loadUpdates('acme', 'site/notes', 0)) Y.applyUpdate(recovered, r.update);
        expect(keysOf(recovered)).toEqual(['a1', 'b1']); // the target time is before the later edits
        const r = spawnSync(process.execPath, [BIN, 'new-epoch'], { env: { ...process.env, ...env }, encoding: 'utf8' });
        expect(r.stdout).toContain('new epoch');
        server = await startServer(env, { port });
        await until(async () => {
          const doc = new Y.Doc();
          for (const row of await store.loadUpdates('acme', 'site/notes', 0)) Y.applyUpdate(doc, row.update);
          return keysOf(doc).join() === 'a1,a2,b1,b2';
        }, 'every acked edit back on the recovered server', 60_000);
        await synced(a);
        await synced(b);
        const onServer = new Y.Doc();
        for (const row of await store.loadUpdates('acme', 'site/notes', 0)) Y.applyUpdate(onServer, row.update);
        for (const y of [da, db]) expect(Y.encodeStateVector(y)).toEqual(Y.encodeStateVector(onServer));
      } finally {
        await store.close();
      }
    } finally {
      await Promise.all([a.destroy(), b.destroy()]);
      await server.kill('SIGKILL');
    }
  }, 240_000);
});
