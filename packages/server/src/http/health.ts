/** `/healthz` (the process is up), `/readyz` (Store and Bus answer), `/metrics` (Prometheus text). */
import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import type { Bus } from '../bus/bus.js';
import type { Store } from '../store/store.js';

function within<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error('timeout')), ms);
    }),
  ]);
}

export function registerHealth(app: FastifyInstance, deps: { store: Store; bus: Bus; registry: Registry; nodeId: string }): void {
  app.get('/healthz', async () => ({ ok: true, nodeId: deps.nodeId }));
  app.get('/readyz', async (_req, reply) => {
    const [store, bus] = await Promise.allSettled([within(deps.store.ping(), 2000), within(deps.bus.ping(), 2000)]);
    const ok = store.status === 'fulfilled' && bus.status === 'fulfilled';
    return reply.code(ok ? 200 : 503).send({
      ok,
      store: { kind: deps.store.kind, ok: store.status === 'fulfilled' },
      bus: { kind: deps.bus.kind, ok: bus.status === 'fulfilled' },
    });
  });
  app.get('/metrics', async (_req, reply) => {
    reply.header('Content-Type', deps.registry.contentType);
    return deps.registry.metrics();
  });
}
