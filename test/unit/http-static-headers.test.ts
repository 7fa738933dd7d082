/**
 * The static folder the server serves at `/` (the demo build): a service worker script must come with a
 * JavaScript type or the browser refuses to register it, and the worker and the page must be revalidated
 * on every load, or a browser could keep an old build past a deploy.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer, createMemoryBus, createMemoryStore, type CairnServer } from '@cairn/server';
import { testVerify } from '../support/memory-node.js';

let server: CairnServer;
let dir = '';

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cairn-static-'));
  await mkdir(join(dir, 'assets'));
  await writeFile(join(dir, 'index.html'), '<!doctype html><title>demo</title>');
  await writeFile(join(dir, 'sw.js'), 'self.addEventListener("fetch", () => {});');
  await writeFile(join(dir, 'assets/index-abc.js'), 'console.log(1);');
  server = await buildServer({ store: createMemoryStore(), bus: createMemoryBus(), verify: testVerify, staticDir: dir });
});

afterAll(async () => {
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('static demo files', () => {
  it('the service worker script is JavaScript, revalidated on every load, with no scope header needed', async () => {
    const res = await server.app.inject('/sw.js');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^(text|application)\/javascript\b/);
    expect(res.headers['cache-control']).toBe('no-cache');
    expect(res.headers['service-worker-allowed']).toBeUndefined();
  });

  it('the page is revalidated on every load, at / (with a query) and at /index.html', async () => {
    for (const url of ['/', '/?db=phone&space=lobby', '/index.html']) {
      const res = await server.app.inject(url);
      expect(res.statusCode, url).toBe(200);
      expect(res.headers['content-type'], url).toMatch(/^text\/html/);
      expect(res.headers['cache-control'], url).toBe('no-cache');
    }
  });

  it('a hashed asset gets no revalidation header (its name changes when its bytes do)', async () => {
    const res = await server.app.inject('/assets/index-abc.js');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/javascript/);
    expect(res.headers['cache-control']).toBeUndefined();
  });
});
