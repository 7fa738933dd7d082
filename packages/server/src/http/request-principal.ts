/**
 * The principal of a REST request (S1): `Authorization: Bearer <token>` checked by the server's verify
 * function, the tenant from the token only (S5). Checked in onRequest, before the query string or body is
 * validated, so an unauthenticated caller learns nothing about a route: 401 UNAUTHENTICATED first, then
 * 403 FORBIDDEN / READ_ONLY, then 400 BAD_REQUEST. With `limits` (rest-limits.ts, S7), a refused token from
 * an address past its budget of refusals is 429 RATE_LIMITED with no audit row, and a principal past its
 * request budget is 429 after auth.
 */
import type { FastifyRequest } from 'fastify';
import { CairnError, isCairnError } from '@cairn/shared';
import type { Principal } from '../auth/principal.js';
import { canRead, canWrite } from '../auth/access.js';
import { refusedTokenOwner } from '../auth/tokens.js';
import type { AuditLog } from '../audit/audit-log.js';
import { bearerToken } from './bearer-token.js';
import type { RestCost, RestLimiter } from './rest-limits.js';

/**
 * Verifies the request's token and checks access to the space (read, or read+write); the principal is
 * remembered for the handler. Every refusal leaves an audit row (L4) when an audit log is given.
 */
export function createPrincipals(verify: (token: string) => Promise<Principal>, audit?: Pick<AuditLog, 'record'>, limits?: RestLimiter) {
  const principals = new WeakMap<FastifyRequest, Principal>();
  return {
    /** `cost`: which of the principal's budgets the request spends (rest-limits.ts). */
    async authenticate(req: FastifyRequest, space: string, access: 'read' | 'write' = 'read', cost: RestCost = 'query'): Promise<void> {
      let principal: Principal;
      try {
        principal = await verify(bearerToken(req.headers.authorization));
      } catch (err) {
        const refusal = isCairnError(err) ? err : new CairnError('UNAUTHENTICATED', undefined, { cause: err });
        const flood = await limits?.refused(req);
        if (flood) throw flood;
        audit?.record({ action: 'auth.refused', outcome: refusal.code, ...refusedTokenOwner(err), detail: { endpoint: 'rest', reason: refusal.message, address: req.ip } });
        throw refusal;
      }
      const who = { tenant: principal.tenant, subject: principal.subject, space };
      if (!canRead(principal, space)) {
        audit?.record({ action: 'access.denied', outcome: 'FORBIDDEN', ...who, detail: { endpoint: 'rest', op: 'read' } });
        throw new CairnError('FORBIDDEN', 'the token may not read this space');
      }
      if (access === 'write' && !canWrite(principal, space)) {
        audit?.record({ action: 'access.denied', outcome: 'READ_ONLY', ...who, detail: { endpoint: 'rest', op: 'write' } });
        throw new CairnError('READ_ONLY', 'the token may only read this space');
      }
      await limits?.principal(req, principal, cost);
      principals.set(req, principal);
    },
    /** Runs history work in one of the node's replay slots (OVERLOADED when all are taken). */
    replay<T>(work: () => Promise<T>): Promise<T> {
      return limits ? limits.slot(work) : work();
    },
    /** The request's principal if it authenticated, else undefined (for hooks that run after a refusal). */
    peek(req: FastifyRequest): Principal | undefined {
      return principals.get(req);
    },
    of(req: FastifyRequest): Principal {
      const principal = principals.get(req);
      if (!principal) throw new CairnError('UNAUTHENTICATED');
      return principal;
    },
  };
}
