/**
 * What a user does, from the packed tarballs: `npm pack` the three packages, install them into an app in
 * os.tmpdir() (outside the repository), type-check README.md's example verbatim under strict settings,
 * build it with Vite, start `npx @cairn/server` from the app's own install (PGlite, dev mode) and run the
 * example in Chromium to its end; a second browser context and the REST read model then find what it
 * wrote on the server. Each step's time is printed (`[packed-app] …`). Reproduce alone:
 * `npm run build && npx vitest run test/integration/packed-app.test.ts`.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM } from '../../e2e/support/chromium.js';
import { startNpxServer, type NpxServer } from '../support/npx-server.js';
import { APP_PACKAGE_JSON, APP_TSCONFIG, HARNESS_TS, INDEX_HTML, READER_TS } from '../support/scratch-app-files.js';
import {
  createStepClock, makeTempRoot, packWorkspaces, readmeExample, replaceOnce, repoVersion, run, userEnv, writeFiles,
  type Packed, type Run,
} from '../support/scratch-app.js';
import { serveStatic } from '../support/static-files.js';
import { untilValue } from '../support/until.js';

/** The one URL the README example names; running it against a server on a free port substitutes only this. */
const README_URL = "'ws://localhost:8787/v1/sync'";
const SECRET = 'packed-app-test-secret-0123456789abcdef';

interface RunState {
  state: 'running' | 'done' | 'failed';
  result?: unknown;
  error?: string;
}

interface ReaderView {
  note: string;
  anchors: { label: unknown; p: number[] }[];
}

describe("a user's app, from the packed tarballs", () => {
  const clock = createStepClock('packed-app');
  const root = makeTempRoot('cairn-scratch');
  const app = join(root.dir, 'app');
  let packed: Packed[] = [];
  let install: Run;
  const dataDir = join(root.dir, 'cairn-data');
  let starting: Promise<NpxServer> | undefined;
  let browser: Browser | undefined;
  let closeStatic: (() => Promise<void>) | undefined;

  const npx = (args: string[], env: Record<string, string> = {}) => run('npx', ['--no', '--', ...args], { cwd: app, env: userEnv(env) });

  beforeAll(async () => {
    packed = await clock.step('npm pack', () => packWorkspaces(join(root.dir, 'tarballs')));
    mkdirSync(join(app, 'src'), { recursive: true });
    writeFiles(app, { 'package.json': APP_PACKAGE_JSON, 'tsconfig.json': APP_TSCONFIG, 'index.html': INDEX_HTML });
    writeFiles(app, { 'src/harness.ts': HARNESS_TS, 'src/reader.ts': READER_TS, 'src/main.ts': readmeExample() });
    const deps = [...packed.map((p) => p.filename), `vite@${repoVersion('vite')}`, `typescript@${repoVersion('typescript')}`];
    install = await clock.step('npm install', () => run('npm', ['install', ...deps, '--prefer-offline', '--no-audit', '--no-fund'], { cwd: app }));
    if (install.code !== 0) throw new Error(`npm install failed (${install.code}):\n${install.err}`);
    // PGlite's first start (initdb) is the slowest step: it runs beside the checks that need no server.
    starting = clock.step('npx @cairn/server start', () =>
      startNpxServer('@cairn/server', app, userEnv({ PORT: '0', CAIRN_DATA_DIR: dataDir, LOG_LEVEL: 'warn' })),
    );
    starting.catch(() => undefined); // the last test awaits it and reports the failure
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await closeStatic?.();
    try {
      await (await starting?.catch(() => undefined))?.stop();
    } finally {
      console.log(clock.summary());
      root.remove();
    }
  }, 60_000);

  it('the tarballs hold every entry point, and every source map names a file that is in its tarball', () => {
    expect(packed.map((p) => p.name).sort()).toEqual(['@cairn/client', '@cairn/server', '@cairn/shared']);
    for (const p of packed) {
      const dir = join(app, 'node_modules', p.name);
      const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
        version: string;
        exports: Record<string, { types: string; import: string }>;
        bin?: Record<string, string>;
      };
      expect(manifest.version).toBe(p.version);
      const entries = [...Object.values(manifest.exports).flatMap((e) => [e.types, e.import]), ...Object.values(manifest.bin ?? {})];
      for (const entry of entries) expect(p.files, `${p.name}: ${entry}`).toContain(posix.normalize(entry));
      const maps = p.files.filter((f) => f.endsWith('.map'));
      expect(maps.length, p.name).toBeGreaterThan(0);
      const missing = maps.flatMap((m) => {
        const { sources } = JSON.parse(readFileSync(join(dir, m), 'utf8')) as { sources: string[] };
        return sources.map((s) => posix.normalize(posix.join(posix.dirname(m), s))).filter((s) => !p.files.includes(s)).map((s) => `${m} → ${s}`);
      });
      expect(missing, p.name).toEqual([]);
    }
  });

  it('npm installs them with no engine, peer or deprecation warning', () => {
    expect(install.err).not.toMatch(/EBADENGINE|ERESOLVE|peer dep|deprecated/i);
    const lock = JSON.parse(readFileSync(join(app, 'package-lock.json'), 'utf8')) as { packages: Record<string, { resolved?: string }> };
    // Both packages use the one @cairn/shared from its tarball, not a copy of their own.
    expect(lock.packages['node_modules/@cairn/shared']?.resolved).toMatch(/cairn-shared-0\.1\.0\.tgz$/);
    expect(Object.keys(lock.packages).filter((k) => k.endsWith('/node_modules/@cairn/shared'))).toEqual([]);
  });

  it("README.md's example type-checks verbatim: strict, noUncheckedIndexedAccess, exactOptionalPropertyTypes, skipLibCheck off", async () => {
    const tsc = await clock.step('tsc --noEmit', () => run('npx', ['--no', '--', 'tsc', '-p', '.'], { cwd: app }));
    expect(`${tsc.out}${tsc.err}`).toBe('');
    expect(tsc.code).toBe(0);
  }, 60_000);

  it('§8: npx cairn-server --help lists the settings; npx @cairn/server is the same bin', async () => {
    const help = await npx(['cairn-server', '--help']);
    expect(help.code, help.err).toBe(0);
    for (const setting of ['PORT', 'DATABASE_URL', 'CAIRN_DATA_DIR', 'REDIS_URL', 'CAIRN_AUTH_SECRET', 'CAIRN_ALLOWED_ORIGINS']) {
      expect(help.out).toMatch(new RegExp(`^ +${setting} `, 'm'));
    }
    expect(await npx(['@cairn/server', '--help'])).toEqual(help);
    const version = packed.find((p) => p.name === '@cairn/server')?.version;
    expect(await npx(['@cairn/server', '--version'])).toEqual({ code: 0, out: `${version}\n`, err: '' });
  }, 60_000);

  it('S1: npx cairn-server token --space site-42 --rw prints a token the installed @cairn/server verifies', async () => {
    const minted = await npx(['cairn-server', 'token', '--space', 'site-42', '--rw'], { CAIRN_AUTH_SECRET: SECRET });
    expect(minted).toMatchObject({ code: 0, err: '' });
    // Verified by the installed package in plain Node, as an app's own backend would import it.
    const verify = `import { createTokenVerifier } from '@cairn/server';
      const p = await createTokenVerifier({ secret: process.env.CAIRN_AUTH_SECRET }).verify(process.env.TOKEN);
      console.log(JSON.stringify(p.spaces));`;
    const res = await run(process.execPath, ['--input-type=module', '-e', verify], {
      cwd: app,
      env: userEnv({ CAIRN_AUTH_SECRET: SECRET, TOKEN: minted.out.trim() }),
    });
    expect(res.err).toBe('');
    expect(JSON.parse(res.out)).toEqual({ 'site-42': 'rw' });
  }, 60_000);

  it('the example, built by Vite, runs to its end in Chromium against npx @cairn/server, and its edits reach the server', async () => {
    const server = await starting!;
    expect(server.line).toContain(`store: PGlite in ${dataDir}`);
    expect(server.line).toContain('auth: off (dev mode');
    // What a user sees at start is the summary and the dev-mode warning, not a process warning (a
    // deprecation, an experimental API) they cannot act on.
    expect(server.output()).not.toMatch(/^\(node:\d+\) /m);
    const port = new URL(server.url).port;
    const wsUrl = `ws://localhost:${port}/v1/sync`;

    const runnable = replaceOnce(readmeExample(), README_URL, `'${wsUrl}'`);
    writeFileSync(join(app, 'src/main.ts'), runnable);
    const build = await clock.step('vite build', () => run('npx', ['--no', '--', 'vite', 'build'], { cwd: app }));
    expect(build.code, `${build.out}\n${build.err}`).toBe(0);
    const site = await serveStatic(join(app, 'dist'));
    closeStatic = site.close;

    browser = await clock.step('chromium launch', () => chromium.launch({ executablePath: CHROMIUM.executablePath, args: [...CHROMIUM.args] }));
    const logs: string[] = [];
    const errors: string[] = [];
    const example = await clock.step('example page', async () => {
      const page = await browser!.newPage();
      page.on('console', (m) => logs.push(`${m.type()}: ${m.text()}`));
      page.on('pageerror', (e) => errors.push(`${e.name}: ${e.message}`));
      await page.goto(`${site.origin}/`);
      return finished(page);
    });
    expect(example, logs.join('\n')).toEqual({ state: 'done', result: 'the example ran to its end' });
    expect(errors).toEqual([]);
    expect(logs.filter((l) => l.startsWith('error:') || l.startsWith('warning:')), logs.join('\n')).toEqual([]);
    // The example's own status handler saw the end state, and its nearest query found the anchor.
    expect(logs, logs.join('\n')).toContain('log: synced 0 pending');
    expect(logs.some((l) => l.startsWith('log: nearest:') && l.includes('valve 3')), logs.join('\n')).toBe(true);

    const readerLogs: string[] = [];
    const reader = await clock.step('reader page (second device)', async () => {
      const context = await browser!.newContext();
      const page = await context.newPage();
      page.on('console', (m) => readerLogs.push(`${m.type()}: ${m.text()}`));
      page.on('pageerror', (e) => readerLogs.push(`pageerror: ${e.name}: ${e.message}`));
      await page.goto(`${site.origin}/?role=reader&server=${encodeURIComponent(wsUrl)}`);
      return finished(page);
    });
    expect(reader?.state, `${reader?.error ?? ''}\n${readerLogs.join('\n')}`).toBe('done');
    const view = reader!.result as ReaderView;
    expect(view.note).toBe('Valve 3 replaced');
    expect(view.anchors).toEqual([{ label: 'valve 3', p: [1.3, 0.9, -3.4] }]);

    // The server's read model (REST) is built from committed updates only: the anchor there is stored.
    const rest = await untilValue(
      async () => ((await (await fetch(`${server.url}/v1/spaces/site-42/anchors?near=48.8584,2.2945&radius=100`)).json()) as { anchors?: { props: unknown; pose: { p: number[] } }[] }),
      (r) => (r.anchors ?? []).length > 0,
      'the anchor in the REST read model',
      15_000,
    );
    expect(rest.anchors?.map((a) => ({ props: a.props, p: a.pose.p }))).toEqual([{ props: { label: 'valve 3' }, p: [1.3, 0.9, -3.4] }]);
  }, 150_000);
});

/** How the page's run ended, or `running` if it had not after 45 s (the caller's expect then shows the page's console). */
async function finished(page: Page): Promise<RunState | undefined> {
  await page
    .waitForFunction(
      () => {
        const run = (window as unknown as { cairnRun?: RunState }).cairnRun;
        return run !== undefined && run.state !== 'running';
      },
      undefined,
      { timeout: 45_000 },
    )
    .catch(() => undefined);
  return page.evaluate(() => (window as unknown as { cairnRun?: RunState }).cairnRun);
}
