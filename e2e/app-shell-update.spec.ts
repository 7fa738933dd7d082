/**
 * A new build replaces the old one cleanly. The server serves a copy of the demo build; a device loads it
 * and its app-shell worker caches it. Then a second, different build (a real `vite build` of the demo with
 * one marker line added) is deployed into the served folder. The next load still shows the old build
 * from its cache (stale while the new worker installs and waits), with the "new version" prompt; its
 * Reload makes the new worker take over: the page reloads into the new build, the old build's cache is
 * deleted, and the new build then reloads with no network.
 */
import { cp, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { build } from 'vite';
import { isolatedEnv, startServer, type ServerProcess } from '../test/support/server-process.js';
import { shellCaches, waitForShellWorker } from './support/app-shell.js';
import { ROOT } from './support/build-demo.js';
import { openDevice, uniqueName } from './support/demo-device.js';
import { devModeEnv } from './support/dev-mode.js';

const MARK = 'second';

/** The demo built again with one line added to its entry: new bytes, hence new asset names and version. */
async function buildSecond(outDir: string): Promise<void> {
  await build({
    configFile: join(ROOT, 'demo/vite.config.ts'),
    logLevel: 'warn',
    build: { outDir, emptyOutDir: true, sourcemap: false },
    plugins: [
      {
        name: 'second-build-marker',
        transform: (code, id) => (id.endsWith('/demo/src/main.ts') ? `${code}\ndocument.body.dataset.build = '${MARK}';\n` : null),
      },
    ],
  });
}

/** Replaces the served folder's contents, as a deploy does. */
async function deploy(from: string, to: string): Promise<void> {
  for (const name of await readdir(to)) await rm(join(to, name), { recursive: true, force: true });
  await cp(from, to, { recursive: true });
}

test('a new build\'s worker waits, takes over on the prompt, and replaces the old build\'s cache', async ({ browser }) => {
  const iso = isolatedEnv('e2e_shell_update');
  const served = await mkdtemp(join(tmpdir(), 'cairn-served-'));
  const second = await mkdtemp(join(tmpdir(), 'cairn-second-'));
  let server: ServerProcess | null = null;
  try {
    await cp(join(ROOT, 'demo/dist'), served, { recursive: true });
    server = await startServer({ ...devModeEnv(iso.env), CAIRN_STATIC_DIR: served });
    const device = await openDevice(browser, { baseUrl: server.url, db: 'updating', space: uniqueName('update') });
    const kept = await device.clickFloor(1, -2);
    await device.waitSynced();
    await waitForShellWorker(device.page);
    const [oldCache] = await shellCaches(device.page);
    expect(oldCache).toMatch(/^cairn-shell-[0-9a-f]{16}$/);
    const build = () => device.page.evaluate(() => document.body.dataset.build ?? 'first');

    await buildSecond(second);
    await deploy(second, served);

    const stale = await device.page.reload();
    expect(stale?.fromServiceWorker()).toBe(true);
    await device.page.waitForFunction(() => window.cairnDemo !== undefined);
    expect(await build()).toBe('first');
    const prompt = device.page.getByTestId('update-ready');
    await expect(prompt).toBeVisible();
    const both = await shellCaches(device.page);
    expect(both).toHaveLength(2);
    expect(both).toContain(oldCache);
    const newCache = both.find((n) => n !== oldCache)!;
    await device.screenshot('app-shell-update-1-prompt');

    await Promise.all([device.page.waitForEvent('load'), prompt.getByRole('button', { name: 'Reload' }).click()]);
    await device.page.waitForFunction(() => window.cairnDemo !== undefined);
    expect(await build()).toBe(MARK);
    await expect.poll(() => shellCaches(device.page)).toEqual([newCache]);
    await expect(device.page.getByTestId('update-ready')).toHaveCount(0);
    await expect.poll(() => device.ids()).toEqual([kept]);

    await device.context.setOffline(true);
    const offline = await device.page.reload();
    expect(offline?.fromServiceWorker()).toBe(true);
    await device.page.waitForFunction(() => window.cairnDemo !== undefined);
    expect(await build()).toBe(MARK);
    await expect.poll(() => device.ids()).toEqual([kept]);
    await device.close();
  } finally {
    await server?.kill('SIGTERM');
    await iso.drop();
    await rm(served, { recursive: true, force: true });
    await rm(second, { recursive: true, force: true });
  }
});
