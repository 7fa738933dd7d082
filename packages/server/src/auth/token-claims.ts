/**
 * The claims of a Cairn token and their checks, shared by the verifier (a bad claim is UNAUTHENTICATED)
 * and the issuer (a bad claim is refused before it is signed):
 *
 * | claim | type | meaning |
 * |---|---|---|
 * | `sub` | string, 1-256 chars | who: stored as the actor of every update |
 * | `tnt` | string matching TENANT_PATTERN | the tenant (S5); never sent by a client any other way |
 * | `spc` | object: space name or '*' → 'r' or 'rw' | the grants (S1) |
 * | `exp` | number, seconds since the epoch | expiry; required |
 * | `adm` | boolean, optional | true: an admin of its tenant (reads the tenant's audit trail, L4) |
 */
import { isValidSegment } from '@cairn/shared';
import type { Principal, SpaceAccess } from './principal.js';

export const TENANT_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;
const MAX_SUBJECT_LENGTH = 256;

/** RFC 7518 3.2: an HS256 key must be at least as long as the hash output. */
export const MIN_SECRET_BYTES = 32;

export function hmacKey(secret: string): Uint8Array {
  const key = new TextEncoder().encode(secret);
  if (key.byteLength < MIN_SECRET_BYTES) {
    throw new Error(`the token secret must be at least ${MIN_SECRET_BYTES} bytes (RFC 7518 section 3.2)`);
  }
  return key;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** What is wrong with the claims, or null. */
export function claimProblem(claims: Record<string, unknown>): string | null {
  const { sub, tnt, spc, adm } = claims;
  if (adm !== undefined && typeof adm !== 'boolean') return 'claim adm is not a boolean';
  if (typeof sub !== 'string' || sub.length === 0 || sub.length > MAX_SUBJECT_LENGTH) return 'claim sub is missing or invalid';
  if (typeof tnt !== 'string' || !TENANT_PATTERN.test(tnt)) return 'claim tnt is missing or invalid';
  if (!isPlainObject(spc)) return 'claim spc is missing or not an object';
  for (const [space, access] of Object.entries(spc)) {
    if (space !== '*' && !isValidSegment(space)) return `claim spc names an invalid space ${JSON.stringify(space.slice(0, 80))}`;
    if (access !== 'r' && access !== 'rw') return `claim spc gives space ${JSON.stringify(space.slice(0, 80))} an access other than r or rw`;
  }
  return null;
}

/** The principal of claims that passed {@link claimProblem}; its grants are a frozen copy, `exp` becomes `expiresAt` in ms. */
export function principalOf(claims: Record<string, unknown>): Principal {
  const spaces = Object.freeze(Object.fromEntries(Object.entries(claims.spc as Record<string, SpaceAccess>)));
  const expiresAt = typeof claims.exp === 'number' ? claims.exp * 1000 : undefined;
  return Object.freeze({
    tenant: claims.tnt as string, subject: claims.sub as string, spaces,
    ...(expiresAt === undefined ? {} : { expiresAt }),
    ...(claims.adm === true ? { admin: true as const } : {}),
  });
}
