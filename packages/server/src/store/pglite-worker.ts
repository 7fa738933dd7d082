/**
 * The worker thread that owns the embedded database: it opens PGlite on the data folder, runs the shared SQL
 * Store on it (sql-store.ts: the same SQL and the same one-statement commit as on Postgres), and answers the
 * main thread's requests (pglite-protocol.ts). PGlite executes every statement synchronously in WASM; here
 * that blocks this thread only, while the event loop goes on serving sockets.
 *
 * A WASM trap (out of memory, a Postgres abort) leaves PGlite unusable: the worker answers the failed call
 * and exits, and the main thread fails what was pending and starts a new worker on the same folder, where
 * Postgres recovers from its WAL.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { assert } from '@cairn/shared';
import { openPglite, pgliteClient } from './pglite-client.js';
import { toWire, transferables, unpackBatch, type Hello, type Reply, type Request } from './pglite-protocol.js';
import { createSqlStore } from './sql-store.js';
import type { Store } from './store.js';

const port = parentPort;
assert(port !== null, 'pglite-worker.ts runs as a worker thread');
const { dataDir } = workerData as { dataDir: string };

function dispatch(store: Store, req: Request): Promise<unknown> {
  if (req.op === 'commitBatch') return store.commitBatch(unpackBatch(req.batch));
  if (req.op === 'close') return store.close();
  const [group, name] = req.op.startsWith('anchors.') ? [store.anchors, req.op.slice('anchors.'.length)] : [store, req.op];
  const fn = (group as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>)[name];
  assert(typeof fn === 'function', `no store operation ${req.op}`);
  return fn.apply(group, req.args);
}

/** A WebAssembly.RuntimeError, thrown or wrapped by the store's guard. */
function isTrap(err: unknown): boolean {
  const trap = (e: unknown) => e instanceof Error && e.name === 'RuntimeError';
  return trap(err) || (err instanceof Error && trap(err.cause));
}

async function main(): Promise<void> {
  let store: Store;
  try {
    store = createSqlStore(pgliteClient(await openPglite(dataDir)), { kind: 'pglite' });
  } catch (err) {
    port!.postMessage({ ready: false, error: toWire(err) } satisfies Hello);
    return;
  }
  port!.postMessage({ ready: true } satisfies Hello);
  // One operation at a time, commit batches first. PGlite runs one statement at a time anyway; the order is
  // the choice. An ack waits for its commit, a read (a room load, a gap repair) can wait one batch longer,
  // and on a slow disk the reads multiply: a push that references a push still committing makes its room
  // resync from the Store, and in arrival order those reads went ahead of the commits they waited for.
  const commits: Request[] = [];
  const others: Request[] = [];
  let busy = false;
  const reply = (req: Request, value: unknown) => {
    port!.postMessage({ id: req.id, ok: true, value } satisfies Reply, transferables(value));
    if (req.op === 'close') port!.close();
  };
  const fail = (req: Request, err: unknown) => {
    port!.postMessage({ id: req.id, ok: false, error: toWire(err) } satisfies Reply);
    if (isTrap(err)) process.exit(1);
  };
  const next = (): void => {
    const req = busy ? undefined : (commits.shift() ?? others.shift());
    if (!req) return;
    busy = true;
    void dispatch(store, req)
      .then((value) => reply(req, value), (err: unknown) => fail(req, err))
      .finally(() => {
        busy = false;
        next();
      });
  };
  port!.on('message', (req: Request) => {
    (req.op === 'commitBatch' ? commits : others).push(req);
    next();
  });
}

await main();
