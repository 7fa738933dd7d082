/**
 * Who may use the admin endpoints (L4's audit trail, http/audit-routes.ts), and over which tenants:
 *
 * - the operator: `Authorization: Bearer <CAIRN_ADMIN_TOKEN>`, every tenant. A long random secret of the
 *   deployment, compared in constant time, never a JWT (so it works in dev mode too and never expires);
 * - a tenant admin: a Cairn token (auth/tokens.ts) with the claim `adm: true`, its own tenant only.
 *
 * Anything else is refused: no or a bad token UNAUTHENTICATED, a valid token without `adm` FORBIDDEN. Dev
 * mode's anonymous principal is no admin: without CAIRN_ADMIN_TOKEN, the admin endpoints are closed.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { CairnError, isCairnError } from '@cairn/shared';
import type { Principal } from './principal.js';

export type AdminScope =
  | { kind: 'operator' }
  | { kind: 'tenant'; tenant: string; subject: string };

export interface AdminCheckOptions {
  verify: (token: string) => Promise<Principal>;
  /** CAIRN_ADMIN_TOKEN; null or absent: only `adm` tokens. */
  adminToken?: string | null;
}

/** The operator's token must be long enough not to be guessed (as CAIRN_AUTH_SECRET). */
export const MIN_ADMIN_TOKEN_LENGTH = 32;

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

export function createAdminCheck(opts: AdminCheckOptions): (token: string) => Promise<AdminScope> {
  const operator = opts.adminToken ? digest(opts.adminToken) : null;
  return async (token) => {
    // Digests first: timingSafeEqual needs equal lengths, and the token's length must not leak either.
    if (operator && token !== '' && timingSafeEqual(digest(token), operator)) return { kind: 'operator' };
    let principal: Principal;
    try {
      principal = await opts.verify(token);
    } catch (err) {
      throw isCairnError(err) ? err : new CairnError('UNAUTHENTICATED', undefined, { cause: err });
    }
    if (principal.admin !== true) throw new CairnError('FORBIDDEN', 'the token is not an admin token');
    return { kind: 'tenant', tenant: principal.tenant, subject: principal.subject };
  };
}
