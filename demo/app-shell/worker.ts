/**
 * The demo's app-shell service worker: with no network at all, a reload still gets the page and its
 * scripts, and the page then reads its anchors from the client's IndexedDB replica.
 *
 *   install   precache this build's files into `cairn-shell-<version>`, bypassing the HTTP cache
 *   (waiting) while pages of the previous build are open: they keep the old worker and the old cache
 *   message  'skip-waiting' from a page whose person accepted the update prompt: take over now
 *   activate  delete the older builds' caches, claim the open pages
 *   fetch     navigation to the page -> the cached page (stale), and ask for a new worker in the
 *             background (the revalidation); precached file -> the cache; anything else -> untouched
 *
 * Revalidating the page means checking for a new build, not refreshing `index.html` inside this build's
 * cache: a newer page there would name hashed assets this cache does not hold, and the next offline
 * reload would be broken. A new build's worker brings its page and assets together in its own cache,
 * and waits: taking over at once could delete the old cache while a page of the old build is still
 * fetching its scripts from it (docs/DECISIONS.md, Demo page).
 *
 * Compiled by `vite-plugin.ts` into `sw.js`, which replaces `__APP_SHELL__` with this build's manifest.
 */
import { planRequest, shellCacheName, SKIP_WAITING, staleShellCaches } from './cache-plan.js';

declare const self: ServiceWorkerGlobalScope;
declare const __APP_SHELL__: { version: string; files: string[] };

const shell = __APP_SHELL__;
const cacheName = shellCacheName(shell.version);
const scope = self.registration.scope;

async function precache(): Promise<void> {
  const cache = await caches.open(cacheName);
  // addAll is all or nothing: a failed file fails the install, and the previous worker stays in charge.
  await cache.addAll(shell.files.map((f) => new Request(new URL(f, scope), { cache: 'reload' })));
}

async function takeOver(): Promise<void> {
  const stale = staleShellCaches(await caches.keys(), cacheName);
  await Promise.all(stale.map((name) => caches.delete(name)));
  await self.clients.claim();
}

/** The cached copy, or the network if the cache lost it (storage cleared under a running worker). */
async function cached(key: string, request: Request): Promise<Response> {
  const hit = await caches.open(cacheName).then((cache) => cache.match(key));
  return hit ?? fetch(request);
}

async function checkForNewBuild(): Promise<void> {
  // Offline, or the server is down: the cached shell is all there is, and that is fine.
  await self.registration.update().catch(() => undefined);
}

self.addEventListener('install', (event) => event.waitUntil(precache()));
self.addEventListener('activate', (event) => event.waitUntil(takeOver()));
self.addEventListener('message', (event) => {
  if (event.data === SKIP_WAITING) event.waitUntil(self.skipWaiting());
});
self.addEventListener('fetch', (event) => {
  const { request } = event;
  const plan = planRequest({ url: request.url, method: request.method, mode: request.mode }, scope, shell.files);
  if (plan.kind === 'network') return;
  event.respondWith(cached(plan.key, request));
  if (plan.kind === 'shell') event.waitUntil(checkForNewBuild());
});
