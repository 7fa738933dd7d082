/**
 * The principal of a REST request (S1): `Authorization: Bearer <token>` checked by the server's verify
 * function, the tenant from the token only (S5). Checked in onRequest, before the query string or body is
 * validated, so an unauthenticated caller learns nothing about a route: 401 UNAUTHENTICATED first, then
 * 403 FORBIDDEN / READ_ONLY, then 400 BAD_REQUEST.
 */
import type { FastifyRequest } from 'fastify';
import { CairnError, isCairnError } from '@cairn/shared';
import type { Principal } from '../auth/principal.js';
import { canRead, canWrite } from '../auth/access.js';

export function tokenOf(header: string | undefined): string {
  if (header === undefined) return ''; // dev mode accepts it; with a secret it fails verification
  const m = /^Bearer +(\S+) *$/i.exec(header);
  if (!m) throw new CairnError('UNAUTHENTICATED', 'the Authorization header must be "Bearer <token>"');
  return m[1]!;
}

export async function verifyRequest(req: FastifyRequest, verify: (token: string) => Promise<Principal>): Promise<Principal> {
  try {
    return await verify(tokenOf(req.headers.authorization));
  } catch (err) {
    throw isCairnError(err) ? err : new CairnError('UNAUTHENTICATED', undefined, { cause: err });
  }
}

/** Verifies the request's token and checks access to the space (read, or read+write); the principal is remembered for the handler. */
export function createPrincipals(verify: (token: string) => Promise<Principal>) {
  const principals = new WeakMap<FastifyRequest, Principal>();
  return {
    async authenticate(req: FastifyRequest, space: string, access: 'read' | 'write' = 'read'): Promise<void> {
      const principal = await verifyRequest(req, verify);
      if (!canRead(principal, space)) throw new CairnError('FORBIDDEN', 'the token may not read this space');
      if (access === 'write' && !canWrite(principal, space)) throw new CairnError('READ_ONLY', 'the token may only read this space');
      principals.set(req, principal);
    },
    of(req: FastifyRequest): Principal {
      const principal = principals.get(req);
      if (!principal) throw new CairnError('UNAUTHENTICATED');
      return principal;
    },
  };
}
