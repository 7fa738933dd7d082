/**
 * One log line per HTTP request, at debug: method, path, status and milliseconds. Fastify's own request
 * logging (on by default) writes two lines per request at info, "incoming request" and "request completed",
 * so at the default level a load balancer polling /healthz and Prometheus scraping /metrics filled the log
 * with lines nobody reads, and an operator's warn lines drowned in them. Those two probes log at trace:
 * they are never worth a line at debug either.
 *
 * The query string is left out: a token may ride in it (a `/y/` URL), and a log is not a place for secrets.
 * WebSocket upgrades do not pass through here; http/websocket.ts logs their refusals.
 */
import type { FastifyInstance } from 'fastify';

const PROBES = new Set(['/healthz', '/readyz', '/metrics']);

export function registerRequestLog(app: FastifyInstance): void {
  app.addHook('onResponse', async (req, reply) => {
    const path = req.url.split('?')[0]!.slice(0, 200);
    const line = { method: req.method, url: path, status: reply.statusCode, ms: Math.round(reply.elapsedTime * 10) / 10 };
    if (PROBES.has(path)) req.log.trace(line, 'request');
    else req.log.debug(line, 'request');
  });
}
