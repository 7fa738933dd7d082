/// <reference types="vite/client" />
/**
 * Registers the app-shell service worker (`demo/app-shell/`) so that the page reloads with no network,
 * and offers a new build when one is deployed.
 *
 *   first visit      no worker yet: the new one activates and claims this page; nothing to offer
 *   new build found  its worker installs and waits -> onUpdate(apply) shows the prompt
 *   apply()          tells the waiting worker to take over -> controllerchange -> this page reloads
 *                    (as does any other tab of the demo: its build's cache is gone)
 *
 * Only in a build: `vite demo` (the dev server) has no `sw.js`, and a worker there would serve stale
 * modules over hot reload. A page that cannot register one (no support, storage blocked) still works
 * online and loses only the offline reload, so a failure is a warning, not an error toast.
 */

/**
 * The worker's SKIP_WAITING (demo/app-shell/cache-plan.ts), spelled out here: importing that module would
 * make the bundler split it into a chunk both entries import, and the worker must stay one classic script.
 * test/unit/demo-app-shell-plan.test.ts checks that the two agree.
 */
export const SKIP_WAITING_MESSAGE = 'skip-waiting';

export function registerAppShell(onUpdate: (apply: () => void) => void): void {
  if (!import.meta.env.PROD || !('serviceWorker' in navigator)) return;
  const sw = navigator.serviceWorker;
  // The first worker claiming a page it did not load is no new build: that change reloads nothing.
  let controlled = sw.controller !== null;
  sw.addEventListener('controllerchange', () => {
    if (controlled) window.location.reload();
    controlled = true;
  });
  const offer = (worker: ServiceWorker): void => {
    if (sw.controller) onUpdate(() => worker.postMessage(SKIP_WAITING_MESSAGE));
  };
  // A worker found by the browser's own check on this navigation may be installing, or already waiting,
  // before this script runs: look at both, and at every later one.
  const track = (worker: ServiceWorker | null): void => {
    if (!worker) return;
    if (worker.state === 'installed') return offer(worker);
    worker.addEventListener('statechange', () => {
      if (worker.state === 'installed') offer(worker);
    });
  };
  sw.register('./sw.js', { scope: './' }).then(
    (reg) => {
      track(reg.waiting);
      track(reg.installing);
      reg.addEventListener('updatefound', () => track(reg.installing));
    },
    (err: unknown) => console.warn('app shell worker not registered', err),
  );
}
