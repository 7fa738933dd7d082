import { createMemorySnapshotCache } from '../../packages/server/src/cache/memory-snapshot-cache.js';
import { describeSnapshotCacheContract } from './snapshot-cache.contract.js';

// The nodes of one process share one instance, as they share a memory bus hub.
describeSnapshotCacheContract('memory', async (opts) => {
  const cache = createMemorySnapshotCache(opts);
  return { a: cache, b: cache, dispose: () => cache.close() };
});
