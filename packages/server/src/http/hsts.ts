/**
 * Strict-Transport-Security on every answer of a server that speaks https itself (CAIRN_HSTS_MAX_AGE).
 * Off unless set: HSTS pins the whole host name to https in every browser that saw it, for max-age seconds,
 * and a certificate problem then locks users out with no click-through; an operator opts in knowingly.
 * WebSocket upgrades pass no Fastify hook and need none: browsers take HSTS from page loads, and wss is
 * https already.
 */
import type { FastifyInstance } from 'fastify';

export function registerHsts(app: FastifyInstance, maxAgeSec: number): void {
  const value = `max-age=${maxAgeSec}`;
  app.addHook('onSend', async (_req, reply) => {
    void reply.header('strict-transport-security', value);
  });
}
