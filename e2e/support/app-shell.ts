/**
 * The demo's app-shell service worker as a test sees it: wait until it controls a page, and read which
 * build's cache the origin holds.
 */
import { expect, type Page } from '@playwright/test';

/** Waits until an activated worker controls the page (it claims the page that registered it). */
export async function waitForShellWorker(page: Page): Promise<void> {
  await page.evaluate(() => navigator.serviceWorker.ready.then(() => undefined));
  await expect.poll(() => page.evaluate(() => navigator.serviceWorker.controller?.state ?? 'none')).toBe('activated');
}

/** The origin's app-shell caches (`cairn-shell-<version>`), sorted. */
export function shellCaches(page: Page): Promise<string[]> {
  return page.evaluate(async () => (await caches.keys()).filter((n) => n.startsWith('cairn-shell-')).sort());
}

/** What the page gets when it asks the network itself (not the worker's cache): 'reached' or 'cut'. */
export function networkReach(page: Page): Promise<'reached' | 'cut'> {
  return page.evaluate(() => fetch('/healthz', { cache: 'no-store' }).then(() => 'reached' as const, () => 'cut' as const));
}
