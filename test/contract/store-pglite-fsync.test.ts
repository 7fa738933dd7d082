/**
 * A1 on the embedded store: an ack means durable across a power loss too, so a commit must reach the disk.
 * PGlite's Node file system has no fsync of its own (store/pglite-client.ts gives it one) and PGlite starts
 * Postgres with fsync off; here the database runs in this thread, to watch its calls to fs.fdatasyncSync.
 */
import fs from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { initDataDir, openPglite } from '../../packages/server/src/store/pglite-client.js';

const dataDir = await mkdtemp(join(tmpdir(), 'cairn-pglite-fsync-'));
afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

describe('Store pglite: commits reach the disk', () => {
  it('A1: Postgres runs with fsync on, and every COMMIT syncs a file of the data folder to disk before it returns', async () => {
    await initDataDir(dataDir);
    const db = await openPglite(dataDir);
    try {
      const settings = await db.query<{ name: string; setting: string }>("SELECT name, setting FROM pg_settings WHERE name IN ('fsync', 'wal_sync_method') ORDER BY name");
      expect(settings.rows).toEqual([{ name: 'fsync', setting: 'on' }, { name: 'wal_sync_method', setting: 'fsync' }]);
      await db.exec('CREATE TABLE t (id int PRIMARY KEY)');
      const fsync = vi.spyOn(fs, 'fdatasyncSync');
      for (let i = 1; i <= 5; i++) {
        const before = fsync.mock.calls.length;
        await db.query('INSERT INTO t VALUES ($1)', [i]);
        expect(fsync.mock.calls.length, `commit ${i}`).toBeGreaterThan(before);
      }
      fsync.mockRestore();
    } finally {
      await db.close();
    }
  });
});
