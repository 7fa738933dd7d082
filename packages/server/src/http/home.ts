/**
 * `/`: the demo page when its build is present, otherwise a small status page naming the
 * endpoints, so `npm start` always shows something useful.
 */
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';
import type { FastifyInstance } from 'fastify';

/**
 * Files a browser must revalidate on every load: the page (it names this build's hashed assets) and the
 * demo's app-shell service worker, whose bytes are how a browser learns of a new build. `no-cache` stores
 * but always asks; the worker script skips the HTTP cache for its update check anyway, this makes it so
 * for every browser and proxy in between. The worker sits at the root of the folder it controls, so its
 * default scope is the whole page and it needs no Service-Worker-Allowed header.
 */
const REVALIDATE = new Set(['index.html', 'sw.js']);

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml',
  '.png': 'image/png', '.json': 'application/json', '.map': 'application/json', '.wasm': 'application/wasm',
};

export async function registerHome(app: FastifyInstance, opts: { staticDir?: string; nodeId: string }): Promise<void> {
  const dir = opts.staticDir;
  const hasStatic = dir !== undefined && (await stat(join(dir, 'index.html')).then(() => true, () => false));
  if (hasStatic) {
    app.get('/*', async (req, reply) => {
      // The router already decoded the path once; decoding again would throw on a literal '%' (a 500).
      const rel = normalize((req.params as { '*': string })['*'] || 'index.html').replace(/^(\.\.[/\\])+/, '');
      const file = join(dir, rel);
      if (!file.startsWith(dir)) return reply.code(404).send();
      const body = await readFile(file).catch(() => null);
      if (!body) return reply.callNotFound();
      if (REVALIDATE.has(rel)) void reply.header('cache-control', 'no-cache');
      return reply.type(TYPES[extname(file)] ?? 'application/octet-stream').send(body);
    });
    return;
  }
  app.get('/', async (_req, reply) =>
    reply.type('text/html; charset=utf-8').send(
      `<!doctype html><meta charset="utf-8"><title>Cairn</title><h1>Cairn sync server</h1>` +
        `<p>Node <code>${opts.nodeId}</code> is running.</p><ul><li>Native sync: <code>/v1/sync</code></li>` +
        `<li>y-websocket: <code>/y/&lt;room&gt;</code></li><li><a href="/healthz">/healthz</a>, <a href="/readyz">/readyz</a>, <a href="/metrics">/metrics</a></li></ul>`,
    ),
  );
}
