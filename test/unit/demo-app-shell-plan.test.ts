/**
 * The demo's app-shell service worker (demo/app-shell/): which requests it answers from its cache, which
 * it leaves to the network, how its caches are versioned per build and which ones an activating worker
 * deletes. The worker itself runs in real Chromium in e2e/app-shell-offline-reload.spec.ts and
 * e2e/app-shell-update.spec.ts; these are its pure rules.
 */
import { describe, expect, it } from 'vitest';
import { planRequest, precacheFiles, shellCacheName, SKIP_WAITING, staleShellCaches } from '../../demo/app-shell/cache-plan.js';
import { shellVersion } from '../../demo/app-shell/vite-plugin.js';
import { SKIP_WAITING_MESSAGE } from '../../demo/src/register-app-shell.js';

const SCOPE = 'http://127.0.0.1:8787/';
const FILES = ['assets/index-CfcVp8X3.css', 'assets/index-Cr8n2D9e.js', 'index.html'];
const get = (path: string, mode = 'cors') => planRequest({ url: new URL(path, SCOPE).href, method: 'GET', mode }, SCOPE, FILES);

describe('app shell: what the worker answers', () => {
  it('a navigation to the page, whatever its query, gets the cached page', () => {
    const shell = { kind: 'shell', key: `${SCOPE}index.html` };
    expect(get('/', 'navigate')).toEqual(shell);
    expect(get('/?db=phone&space=lobby', 'navigate')).toEqual(shell);
    expect(get('/index.html?db=phone', 'navigate')).toEqual(shell);
  });

  it('a precached asset comes from the cache under its own URL', () => {
    expect(get('/assets/index-Cr8n2D9e.js')).toEqual({ kind: 'asset', key: `${SCOPE}assets/index-Cr8n2D9e.js` });
    expect(get('/assets/index-CfcVp8X3.css', 'no-cors')).toEqual({ kind: 'asset', key: `${SCOPE}assets/index-CfcVp8X3.css` });
  });

  it('the sync socket, /v1 and /y, REST, health and metrics are never answered from the cache', () => {
    for (const path of ['/v1/sync', '/v1/spaces/demo/anchors?lat=51&lon=0&radius=10', '/y/room', '/healthz', '/readyz', '/metrics']) {
      expect(get(path), path).toEqual({ kind: 'network' });
      expect(get(path, 'navigate'), `${path} (navigation)`).toEqual({ kind: 'network' });
    }
  });

  it('what the build did not precache goes to the network: maps, the worker, other builds, queries, POSTs, other origins', () => {
    expect(get('/assets/index-Cr8n2D9e.js.map')).toEqual({ kind: 'network' });
    expect(get('/sw.js')).toEqual({ kind: 'network' });
    expect(get('/assets/index-OLDBUILD.js')).toEqual({ kind: 'network' });
    expect(get('/assets/index-Cr8n2D9e.js?v=2')).toEqual({ kind: 'network' });
    expect(planRequest({ url: `${SCOPE}index.html`, method: 'POST', mode: 'navigate' }, SCOPE, FILES)).toEqual({ kind: 'network' });
    expect(planRequest({ url: 'http://localhost:8787/assets/index-Cr8n2D9e.js', method: 'GET', mode: 'cors' }, SCOPE, FILES)).toEqual({ kind: 'network' });
    expect(planRequest({ url: 'https://cdn.example/assets/index-Cr8n2D9e.js', method: 'GET', mode: 'cors' }, SCOPE, FILES)).toEqual({ kind: 'network' });
  });

  it('under a sub-path scope, only that folder is the worker\'s', () => {
    const scope = 'https://example.com/cairn/';
    const plan = (path: string, mode = 'navigate') => planRequest({ url: new URL(path, scope).href, method: 'GET', mode }, scope, FILES);
    expect(plan('/cairn/?db=a')).toEqual({ kind: 'shell', key: 'https://example.com/cairn/index.html' });
    expect(plan('/cairn/assets/index-Cr8n2D9e.js', 'cors')).toEqual({ kind: 'asset', key: 'https://example.com/cairn/assets/index-Cr8n2D9e.js' });
    expect(plan('/')).toEqual({ kind: 'network' });
    expect(plan('/assets/index-Cr8n2D9e.js', 'cors')).toEqual({ kind: 'network' });
  });
});

describe('app shell: one cache per build', () => {
  it('precaches the page and its assets, not source maps nor the worker itself', () => {
    expect(precacheFiles(['sw.js', 'sw.js.map', 'index.html', 'assets/index-Cr8n2D9e.js.map', 'assets/index-Cr8n2D9e.js', 'assets/index-CfcVp8X3.css'])).toEqual(FILES);
    expect(() => precacheFiles(['assets/index-Cr8n2D9e.js'])).toThrow(/index\.html/);
  });

  it('the version follows every byte and name of the precached files, not their order', () => {
    const build = [
      { name: 'index.html', content: '<script src="./assets/index-Cr8n2D9e.js">' },
      { name: 'assets/index-Cr8n2D9e.js', content: new TextEncoder().encode('console.log(1)') },
    ];
    const v = shellVersion(build);
    expect(v).toMatch(/^[0-9a-f]{16}$/);
    expect(shellVersion([...build].reverse())).toBe(v);
    expect(shellVersion([build[0]!, { ...build[1]!, content: new TextEncoder().encode('console.log(2)') }])).not.toBe(v);
    expect(shellVersion([build[0]!, { ...build[1]!, name: 'assets/index-Xx.js' }])).not.toBe(v);
    // Name and content are delimited: moving bytes between them is another build.
    expect(shellVersion([{ name: 'ab', content: 'c' }])).not.toBe(shellVersion([{ name: 'a', content: 'bc' }]));
    expect(shellCacheName(v)).toBe(`cairn-shell-${v}`);
  });

  it('an activating worker deletes its older builds\' caches and nothing else on the origin', () => {
    const current = shellCacheName('bbbb');
    const names = [shellCacheName('aaaa'), current, 'another-app-v1', shellCacheName('cccc'), 'cairn-tiles'];
    expect(staleShellCaches(names, current)).toEqual([shellCacheName('aaaa'), shellCacheName('cccc')]);
    expect(staleShellCaches([current], current)).toEqual([]);
  });

  it('the page\'s "take over" message is the one the worker listens for', () => {
    expect(SKIP_WAITING_MESSAGE).toBe(SKIP_WAITING);
  });
});
