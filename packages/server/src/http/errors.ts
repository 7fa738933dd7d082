/**
 * S4: every HTTP error body is `{ error: { code, message, retryable } }` with a code from the catalog.
 * A 5xx never carries the internal message; it is logged instead.
 */
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { CairnError, ErrorCodes, isCairnError, type ErrorCode } from '@cairn/shared';

export function errorBody(code: ErrorCode, message: string = ErrorCodes[code].message) {
  return { error: { code, message, retryable: ErrorCodes[code].retryable } };
}

/** A retryable refusal that tells the client when to come back: the `Retry-After` header, in seconds. */
export function withRetryAfter(code: ErrorCode, detail: string, retryAfterS: number): CairnError {
  return Object.assign(new CairnError(code, detail), { retryAfterS });
}

function retryAfterOf(err: unknown): number | undefined {
  const s = (err as { retryAfterS?: unknown } | null)?.retryAfterS;
  return typeof s === 'number' ? s : undefined;
}

/** The codes with an HTTP status of their own; any other is 503 when retryable, else 400 (PROTOCOL.md section 6). */
const STATUS_OF: Partial<Record<ErrorCode, number>> = {
  UNAUTHENTICATED: 401, FORBIDDEN: 403, READ_ONLY: 403, NOT_FOUND: 404, DOC_DELETED: 410, HISTORY_TRIMMED: 410, RATE_LIMITED: 429,
};

export function registerErrorHandling(app: FastifyInstance): void {
  // CORS on the 404: a page whose socket URL has a wrong path can read why (http/sync-probe.ts); the body
  // is a constant.
  app.setNotFoundHandler((_req, reply) => reply.code(404).header('access-control-allow-origin', '*').send(errorBody('NOT_FOUND')));
  app.setErrorHandler((err: FastifyError, req, reply) => {
    if (isCairnError(err)) {
      const status = STATUS_OF[err.code] ?? (err.retryable ? 503 : 400);
      const retryAfter = retryAfterOf(err);
      if (retryAfter !== undefined) void reply.header('retry-after', String(retryAfter));
      // A refusal the node chose (rate limits, replay slots) is not a failure to log.
      if (status >= 500 && retryAfter === undefined) req.log.error({ err }, 'request failed');
      return reply.code(status).send(errorBody(err.code, status >= 500 ? ErrorCodes[err.code].message : err.message));
    }
    const status = err.statusCode ?? 500;
    if (status < 500) return reply.code(status).send(errorBody(status === 404 ? 'NOT_FOUND' : 'BAD_REQUEST', err.message));
    req.log.error({ err }, 'request failed');
    return reply.code(500).send(errorBody('INTERNAL'));
  });
}

/**
 * Fastify `frameworkErrors`: what the router refuses before any route or hook runs (a path whose
 * percent-encoding does not decode, FST_ERR_BAD_URL; a path parameter over maxParamLength, 414) gets the
 * catalog body too. `first` may answer instead (the Host check, S8), since no onRequest hook runs here.
 */
export function createFrameworkErrorHandler(first: (req: FastifyRequest, reply: FastifyReply) => FastifyReply | null) {
  return (err: FastifyError, req: FastifyRequest, reply: FastifyReply): void => {
    if (first(req, reply)) return;
    const status = err.code === 'FST_ERR_MAX_PARAM_LENGTH' ? 414 : 400;
    const detail = status === 414 ? 'a path segment is too long' : 'the URL does not decode';
    void reply.code(status).send(errorBody('BAD_REQUEST', `${ErrorCodes.BAD_REQUEST.message}: ${detail}`));
  };
}

/**
 * Fastify `clientErrorHandler`: requests node:http cannot parse (headers over the size limit, 431; a request
 * line that is not HTTP, 400; too slow, 408) never reach Fastify, so the answer is written on the socket.
 */
export function clientErrorHandler(err: NodeJS.ErrnoException, socket: Duplex): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const status = err.code === 'HPE_HEADER_OVERFLOW' ? 431 : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
  const detail = status === 431 ? 'the request headers are too large' : status === 408 ? 'the request was not received in time' : 'the request is not HTTP';
  const body = JSON.stringify(errorBody('BAD_REQUEST', `${ErrorCodes.BAD_REQUEST.message}: ${detail}`));
  if (socket.writable) {
    socket.write(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
  }
  socket.destroy();
}
