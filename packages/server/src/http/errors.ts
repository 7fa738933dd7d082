/**
 * S4: every HTTP error body is `{ error: { code, message, retryable } }` with a code from the catalog.
 * A 5xx never carries the internal message; it is logged instead.
 */
import type { FastifyError, FastifyInstance } from 'fastify';
import { ErrorCodes, isCairnError, type ErrorCode } from '@cairn/shared';

export function errorBody(code: ErrorCode, message: string = ErrorCodes[code].message) {
  return { error: { code, message, retryable: ErrorCodes[code].retryable } };
}

export function registerErrorHandling(app: FastifyInstance): void {
  // CORS on the 404: a page whose socket URL has a wrong path can read why (http/sync-probe.ts); the body
  // is a constant.
  app.setNotFoundHandler((_req, reply) => reply.code(404).header('access-control-allow-origin', '*').send(errorBody('NOT_FOUND')));
  app.setErrorHandler((err: FastifyError, req, reply) => {
    if (isCairnError(err)) {
      const status = err.code === 'UNAUTHENTICATED' ? 401 : err.code === 'FORBIDDEN' || err.code === 'READ_ONLY' ? 403 : err.retryable ? 503 : 400;
      if (status >= 500) req.log.error({ err }, 'request failed');
      return reply.code(status).send(errorBody(err.code, status >= 500 ? ErrorCodes[err.code].message : err.message));
    }
    const status = err.statusCode ?? 500;
    if (status < 500) return reply.code(status).send(errorBody(status === 404 ? 'NOT_FOUND' : 'BAD_REQUEST', err.message));
    req.log.error({ err }, 'request failed');
    return reply.code(500).send(errorBody('INTERNAL'));
  });
}
