/**
 * What the demo's app-shell service worker does with each request, and how its caches are named: pure
 * functions, shared by the worker (`worker.ts`), the build plugin (`vite-plugin.ts`) and the unit test.
 *
 * The rule is an allow-list: the worker answers only navigations to the page itself and GETs of the files
 * the build precached. Everything else (the sync socket, `/v1/*`, `/y/*`, REST, `/healthz`, source maps,
 * other origins) is left to the network untouched and never cached, so no stale data or status can come
 * out of the worker: the data a reloaded page shows comes from the client's IndexedDB replica.
 */

/** Every cache of this worker starts so; caches with other names (another app on the origin) are left alone. */
export const SHELL_CACHE_PREFIX = 'cairn-shell-';

/** The service worker script, at the root of the build (its scope is the folder it sits in). */
export const WORKER_FILE = 'sw.js';

/** The page every navigation in scope is answered with. */
export const SHELL_PAGE = 'index.html';

/** The message a page posts to a waiting worker (a new build) to make it take over. */
export const SKIP_WAITING = 'skip-waiting';

/** One cache per build: the version is a hash of the precached files, so a new build fills a new cache. */
export function shellCacheName(version: string): string {
  return `${SHELL_CACHE_PREFIX}${version}`;
}

/** The caches an activating worker deletes: its own older builds, nothing else. */
export function staleShellCaches(names: readonly string[], current: string): string[] {
  return names.filter((n) => n.startsWith(SHELL_CACHE_PREFIX) && n !== current);
}

/** The build's output files the worker precaches: the page and its hashed assets, not maps nor itself. */
export function precacheFiles(emitted: readonly string[]): string[] {
  const files = emitted.filter((f) => f !== WORKER_FILE && !f.endsWith('.map')).sort();
  if (!files.includes(SHELL_PAGE)) throw new Error(`app shell: the build emitted no ${SHELL_PAGE}`);
  return files;
}

export type RequestPlan =
  /** Not the worker's business: no respondWith, the browser fetches as if there were no worker. */
  | { kind: 'network' }
  /** A navigation to the page: the cached page, whatever the query (`?db=`, `?space=`). */
  | { kind: 'shell'; key: string }
  /** A precached file of this build. */
  | { kind: 'asset'; key: string };

export interface RequestInfo {
  url: string;
  method: string;
  /** `Request.mode`: 'navigate' for a page load. */
  mode: string;
}

export function planRequest(req: RequestInfo, scope: string, files: readonly string[]): RequestPlan {
  if (req.method !== 'GET') return { kind: 'network' };
  const url = new URL(req.url);
  const base = new URL(scope);
  if (url.origin !== base.origin || !url.pathname.startsWith(base.pathname)) return { kind: 'network' };
  const rel = url.pathname.slice(base.pathname.length);
  if (req.mode === 'navigate') {
    return rel === '' || rel === SHELL_PAGE ? { kind: 'shell', key: new URL(SHELL_PAGE, base).href } : { kind: 'network' };
  }
  // Vite's asset URLs carry no query; one with a query is something else and goes to the network.
  if (url.search === '' && files.includes(rel)) return { kind: 'asset', key: new URL(rel, base).href };
  return { kind: 'network' };
}
