/** Who a session is and what it may do, per space (S1). */
export type SpaceAccess = 'r' | 'rw';

export interface Principal {
  tenant: string;
  subject: string;
  /** Space name, or '*' for every space, to its access. An exact entry wins over '*'. */
  spaces: Readonly<Record<string, SpaceAccess>>;
}

/** Every socket's principal in dev mode (`CAIRN_AUTH_SECRET` unset): anonymous, read+write everywhere. */
export const DEV_PRINCIPAL: Principal = Object.freeze({
  tenant: 'default',
  subject: 'anonymous',
  spaces: Object.freeze({ '*': 'rw' as const }),
});
