/**
 * The Store on embedded Postgres (PGlite, WASM): the default when DATABASE_URL is unset. PGlite runs in a
 * worker thread of its own (pglite-worker.ts) and this file is the Store the rest of the server sees: each
 * call is one message to the worker and one reply (pglite-protocol.ts). The group commit (commit/) batches
 * pushes here exactly as on Postgres, and a batch is one message and one statement in the worker (A2).
 *
 * One process owns the data folder; a restart on the same folder finds everything committed before.
 * `memory://` keeps the data in memory only.
 *
 *   starting ──ready──► up ──worker exits or throws──► down ──after a delay (folder only)──► starting
 *       │                │                                          ▲
 *       └──fails─────────┼──────────────────────────────────────────┘
 *                        └──close()──► closed
 *
 * A worker that dies fails every pending call with STORE_UNAVAILABLE (retryable): a commit in flight may or
 * may not have been stored, and its pushes are neither acked nor lost (the client resends them and C1
 * makes a stored one a duplicate). While down, every call fails at once, so ping() and /readyz say not
 * ready. A memory:// store stays down: a new worker would start empty, as if acked data had never been.
 *
 * A first start on an empty folder creates the database in a child process first (pglite-client.ts
 * initDataDir), so initdb's memory goes back to the system before the worker starts.
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { CairnError } from '@cairn/shared';
import { initDataDir } from './pglite-client.js';
import { fromWire, packBatch, type Hello, type Ops, type OpName, type Reply, type Request } from './pglite-protocol.js';
import type { AnchorStore } from '../readmodel/anchor-store.js';
import type { Store } from './store.js';

export interface PgliteStoreOptions {
  /** A folder (created if missing) or `memory://`. */
  dataDir: string;
  /** First delay before a dead worker is replaced; it doubles up to 30 s while restarts fail. Default 1 s. */
  restartDelayMs?: number;
}

export interface PgliteStore extends Store {
  /** The worker thread that owns PGlite while one is up, else null: to watch it (or stop it, in tests). */
  readonly worker: Worker | null;
}

const MAX_RESTART_DELAY_MS = 30_000;

/** The worker's module: the build's .js, or the .ts source through tsx when the server runs from source (tests). */
function spawnWorker(dataDir: string): Worker {
  const url = new URL(`./pglite-worker${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url);
  if (!url.pathname.endsWith('.ts')) return new Worker(url, { workerData: { dataDir } });
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs')).href;
  const boot = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(url.href)}); })`;
  return new Worker(boot, { eval: true, workerData: { dataDir } });
}

/** Starts a worker and waits for it to open the database. */
function startWorker(dataDir: string): Promise<Worker> {
  return new Promise((resolve, reject) => {
    const worker = spawnWorker(dataDir);
    const fail = (err: unknown) => {
      worker.off('exit', exited);
      reject(err instanceof CairnError ? err : new CairnError('STORE_UNAVAILABLE', 'the embedded database did not open', { cause: err }));
    };
    const exited = (code: number) => fail(new Error(`worker exited with ${code} before it opened the database`));
    worker.once('error', fail);
    worker.once('exit', exited);
    worker.once('message', (hello: Hello) => {
      worker.off('error', fail);
      worker.off('exit', exited);
      if (hello.ready) resolve(worker);
      else {
        void worker.terminate();
        fail(fromWire(hello.error));
      }
    });
  });
}

export async function createPgliteStore(options: PgliteStoreOptions): Promise<PgliteStore> {
  const { dataDir, restartDelayMs = 1_000 } = options;
  if (dataDir !== 'memory://') await initDataDir(dataDir);
  const first = await startWorker(dataDir);
  let worker: Worker | null = null;
  let state: 'up' | 'down' | 'closed' = 'down';
  let nextId = 1;
  let delay = restartDelayMs;
  let restartTimer: NodeJS.Timeout | null = null;
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: unknown) => void }>();

  function attach(w: Worker): void {
    worker = w;
    state = 'up';
    delay = restartDelayMs;
    w.on('message', (reply: Reply) => {
      const p = pending.get(reply.id);
      if (!p) return;
      pending.delete(reply.id);
      if (reply.ok) p.resolve(reply.value);
      else p.reject(fromWire(reply.error));
    });
    // An uncaught throw in the worker ends it; 'exit' follows and does the rest.
    w.on('error', () => undefined);
    w.on('exit', () => {
      if (worker !== w) return;
      worker = null;
      const dead = new CairnError('STORE_UNAVAILABLE', 'the embedded database stopped');
      for (const p of pending.values()) p.reject(dead);
      pending.clear();
      if (state === 'closed') return;
      state = 'down';
      if (dataDir !== 'memory://') scheduleRestart();
    });
  }

  function scheduleRestart(): void {
    restartTimer = setTimeout(() => {
      restartTimer = null;
      startWorker(dataDir).then(
        (w) => {
          if (state === 'closed') void w.terminate();
          else attach(w);
        },
        () => {
          delay = Math.min(delay * 2, MAX_RESTART_DELAY_MS);
          if (state !== 'closed') scheduleRestart();
        },
      );
    }, delay);
    restartTimer.unref();
  }

  function send<T>(req: Request, transfer: ArrayBuffer[] = []): Promise<T> {
    if (state !== 'up' || !worker) return Promise.reject(new CairnError('STORE_UNAVAILABLE', 'the embedded database is not running'));
    const w = worker;
    return new Promise<T>((resolve, reject) => {
      pending.set(req.id, { resolve: resolve as (v: unknown) => void, reject });
      w.postMessage(req, transfer);
    });
  }

  const call = <K extends OpName>(op: K, ...args: Parameters<Ops[K]>): ReturnType<Ops[K]> =>
    send({ id: nextId++, op, args }) as ReturnType<Ops[K]>;

  const anchors: AnchorStore = {
    applyCell: (change) => call('anchors.applyCell', change),
    applyMeta: (change) => call('anchors.applyMeta', change),
    appliedVersion: (tenant, doc) => call('anchors.appliedVersion', tenant, doc),
    query: (tenant, space, query, opts) => call('anchors.query', tenant, space, query, opts),
    purgeCandidates: (cutoffs, limit, after) => call('anchors.purgeCandidates', cutoffs, limit, after),
  };

  attach(first);
  let closing: Promise<void> | null = null;

  return {
    kind: 'pglite',
    get worker() {
      return worker;
    },
    migrate: () => call('migrate'),
    commitBatch(requests) {
      if (requests.length === 0) return Promise.resolve([]);
      const batch = packBatch(requests);
      return send({ id: nextId++, op: 'commitBatch', batch }, [batch.bytes]);
    },
    loadUpdates: (tenant, doc, after, upTo) => call('loadUpdates', tenant, doc, after, upTo),
    headVersion: (tenant, doc) => call('headVersion', tenant, doc),
    loadSnapshot: (tenant, doc) => call('loadSnapshot', tenant, doc),
    saveSnapshot: (tenant, doc, snapshot) => call('saveSnapshot', tenant, doc, snapshot),
    claimClient: (tenant, clientId, subject) => call('claimClient', tenant, clientId, subject),
    quarantine: (tenant, doc, version, reason) => call('quarantine', tenant, doc, version, reason),
    listQuarantined: (tenant, doc) => call('listQuarantined', tenant, doc),
    dropQuarantined: (tenant, doc, version) => call('dropQuarantined', tenant, doc, version),
    listChanges: (tenant, doc, after, limit) => call('listChanges', tenant, doc, after, limit),
    versionAt: (tenant, doc, at) => call('versionAt', tenant, doc, at),
    listDocs: (tenant, space) => call('listDocs', tenant, space),
    loadHistoryFloor: (tenant, doc) => call('loadHistoryFloor', tenant, doc),
    importFloor: (tenant, doc, floor) => call('importFloor', tenant, doc, floor),
    trimHistory: (tenant, doc, base) => call('trimHistory', tenant, doc, base),
    listTrimmable: (query) => call('listTrimmable', query),
    appendAudit: (rows) => call('appendAudit', rows),
    queryAudit: (query) => call('queryAudit', query),
    deleteAuditBefore: (before, limit) => call('deleteAuditBefore', before, limit),
    tenantUsage: (tenant) => call('tenantUsage', tenant),
    markDeleted: (tenant, space, doc, by, graceMs) => call('markDeleted', tenant, space, doc, by, graceMs),
    restoreDeleted: (tenant, space, doc, by) => call('restoreDeleted', tenant, space, doc, by),
    deletionOf: (tenant, doc) => call('deletionOf', tenant, doc),
    listDeletions: (tenant, space) => call('listDeletions', tenant, space),
    dueDeletions: (now, limit) => call('dueDeletions', now, limit),
    purgeDoc: (tenant, doc) => call('purgeDoc', tenant, doc),
    markPurged: (tenant, space, doc) => call('markPurged', tenant, space, doc),
    listTenantDocs: (tenant) => call('listTenantDocs', tenant),
    exportRows: (tenant, doc, after, limit) => call('exportRows', tenant, doc, after, limit),
    importRows: (tenant, doc, rows, options) => call('importRows', tenant, doc, rows, options),
    epoch: () => call('epoch'),
    newEpoch: () => call('newEpoch'),
    anchors,
    ping: () => call('ping'),
    close() {
      closing ??= (async () => {
        if (restartTimer) clearTimeout(restartTimer);
        const w = worker;
        const wasUp = state === 'up';
        state = 'closed';
        if (wasUp && w) {
          // A clean shutdown checkpoints, so the next start has no WAL to replay; the worker exits after it.
          const exited = new Promise((resolve) => w.once('exit', resolve));
          w.postMessage({ id: nextId++, op: 'close' } satisfies Request);
          const timer = setTimeout(() => void w.terminate(), 10_000);
          await exited;
          clearTimeout(timer);
        }
        state = 'closed';
      })();
      return closing;
    },
  };
}
