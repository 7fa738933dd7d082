/** Who a session is and what it may do, per space (S1). */
export type SpaceAccess = 'r' | 'rw';

export interface Principal {
  tenant: string;
  subject: string;
  /** Space name, or '*' for every space, to its access. An exact entry wins over '*'. */
  spaces: Readonly<Record<string, SpaceAccess>>;
  /** When the token stops being valid, in ms since the epoch; absent in dev mode. Sessions end then (S8). */
  expiresAt?: number;
  /** The token's `adm` claim: may read its tenant's audit trail (http/audit-routes.ts, auth/admin.ts). */
  admin?: true;
}

/** Every socket's principal in dev mode (`CAIRN_AUTH_SECRET` unset): anonymous, read+write everywhere. */
export const DEV_PRINCIPAL: Principal = Object.freeze({
  tenant: 'default',
  subject: 'anonymous',
  spaces: Object.freeze({ '*': 'rw' as const }),
});
