import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createPgliteStore } from '../../packages/server/src/store/pglite-store.js';
import { describeStoreContract } from './store.contract.js';
import { describeQuarantineContract } from './store-quarantine.contract.js';
import { describeHistoryContract } from './store-history.contract.js';
import { describeAuditContract } from './store-audit.contract.js';
import { describeDeletionsContract } from './store-deletions.contract.js';
import { describeCompactionContract } from './store-compaction.contract.js';
import { describeRestoreContract } from './store-restore.contract.js';
import { push } from './store-fixtures.js';

const dataDir = await mkdtemp(join(tmpdir(), 'cairn-pglite-store-'));

// The contract closes its store when it ends; the persistence test below reopens the same folder after.
describeStoreContract('pglite', () => createPgliteStore({ dataDir }));
describeQuarantineContract('pglite', () => createPgliteStore({ dataDir: 'memory://' }));
describeHistoryContract('pglite', () => createPgliteStore({ dataDir: 'memory://' }));
describeAuditContract('pglite', () => createPgliteStore({ dataDir: 'memory://' }));
describeDeletionsContract('pglite', () => createPgliteStore({ dataDir: 'memory://' }));
describeCompactionContract('pglite', () => createPgliteStore({ dataDir: 'memory://' }));
describeRestoreContract('pglite', () => createPgliteStore({ dataDir: 'memory://' }));

describe('Store pglite: persistence', () => {
  it('C2: commits and snapshots survive close and reopen of the same dataDir, and versions continue', async () => {
    const first = await createPgliteStore({ dataDir });
    await first.migrate();
    await first.commitBatch([push('t', 'space/doc', 'client-a', 0), push('t', 'space/doc', 'client-a', 1)]);
    await first.saveSnapshot('t', 'space/doc', { version: 2, state: new Uint8Array([1, 2]) });
    await first.close();

    const second = await createPgliteStore({ dataDir });
    try {
      await second.migrate();
      expect(await second.headVersion('t', 'space/doc')).toBe(2);
      expect(await second.loadUpdates('t', 'space/doc', 0)).toEqual([
        { version: 1, update: push('t', 'space/doc', 'client-a', 0).update, actor: 'tester' },
        { version: 2, update: push('t', 'space/doc', 'client-a', 1).update, actor: 'tester' },
      ]);
      expect(await second.loadSnapshot('t', 'space/doc')).toEqual({ version: 2, state: new Uint8Array([1, 2]) });
      expect(await second.commitBatch([push('t', 'space/doc', 'client-a', 1), push('t', 'space/doc', 'client-a', 2)])).toEqual([
        { kind: 'duplicate', version: 2 }, { kind: 'committed', version: 3 },
      ]);
    } finally {
      await second.close();
    }
  });
});

afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
});
