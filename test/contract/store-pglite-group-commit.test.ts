/**
 * A2 on the embedded store: the group commit in front of the PGlite worker batches as it does in front of
 * Postgres. Pushes submitted while a batch is in the worker wait, and all of them go in the next batch: one
 * message, one statement.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGroupCommit } from '../../packages/server/src/commit/group-commit.js';
import { createPgliteStore, type PgliteStore } from '../../packages/server/src/store/pglite-store.js';
import { push } from './store-fixtures.js';

describe('Store pglite: group commit through the worker', () => {
  let store: PgliteStore;
  beforeAll(async () => {
    store = await createPgliteStore({ dataDir: 'memory://' });
    await store.migrate();
  });
  afterAll(async () => {
    await store.close();
  });

  it('A2: pushes that arrive while a batch is in the worker join the next batch, and versions follow submission order', async () => {
    const sizes: number[] = [];
    const group = createGroupCommit({ store, observer: { batch: (size) => sizes.push(size) } });
    let firstSettled = false;
    const first = group.submit(push('t', 'space/doc', 'gc', 0)).finally(() => (firstSettled = true));
    await Promise.resolve(); // the group commit's run starts on a microtask: the first push is now in the worker
    expect(group.queued).toBe(0);
    const rest = Array.from({ length: 40 }, (_, i) => group.submit(push('t', 'space/doc', 'gc', i + 1)));
    expect(firstSettled).toBe(false);
    const outcomes = await Promise.all([first, ...rest]);
    expect(sizes).toEqual([1, 40]);
    expect(outcomes.map((o) => `${o.kind} ${o.version}`)).toEqual(outcomes.map((_, i) => `committed ${i + 1}`));
    await group.close();
  });
});
