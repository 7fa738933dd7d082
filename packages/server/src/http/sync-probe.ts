/**
 * A plain `GET /v1/sync` (no Upgrade) answers what an upgrade from the same page would meet, so a client
 * whose socket failed its handshake can say why (O4). A browser WebSocket reports every refused handshake
 * as close 1006 and hides the HTTP answer; a `fetch` of the same URL can read it, if the answer carries CORS
 * headers. The body is the catalog's `{ error: { code, message, retryable } }`:
 *
 * | status | code | meaning |
 * |---|---|---|
 * | 426 | BAD_REQUEST | the endpoint is here and the Origin is allowed: upgrade to a WebSocket |
 * | 403 | ORIGIN_NOT_ALLOWED | an upgrade from this Origin is refused (S2) |
 * | 503 | SHUTTING_DOWN | this node no longer takes sockets |
 *
 * Unknown paths get the 404 NOT_FOUND of http/errors.ts, which carries the same CORS header. The answers are
 * constants of the catalog and say nothing about any user, so `Access-Control-Allow-Origin: *` (no
 * credentials) exposes nothing a cross-site page could abuse.
 */
import type { IncomingMessage } from 'node:http';
import type { FastifyInstance } from 'fastify';
import type { ErrorCode } from '@cairn/shared';
import { errorBody } from './errors.js';

const STATUS: Partial<Record<ErrorCode, number>> = { ORIGIN_NOT_ALLOWED: 403, SHUTTING_DOWN: 503 };

/** `refusal` is what the upgrade path would refuse this request with before auth, or null. */
export function registerSyncProbe(app: FastifyInstance, refusal: (req: IncomingMessage) => ErrorCode | null): void {
  app.get('/v1/sync', (req, reply) => {
    void reply.header('access-control-allow-origin', '*').header('vary', 'Origin').header('cache-control', 'no-store');
    const code = refusal(req.raw);
    if (code) return reply.code(STATUS[code] ?? 400).send(errorBody(code));
    return reply.code(426).header('upgrade', 'websocket').send(errorBody('BAD_REQUEST', 'this endpoint speaks WebSocket: send an Upgrade request'));
  });
}
