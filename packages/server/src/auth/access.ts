/**
 * Authorization per space (S1): read, or read+write. An exact entry for the space wins over '*', so
 * `{ '*': 'rw', plans: 'r' }` may write every space but `plans`.
 */
import type { Principal, SpaceAccess } from './principal.js';

function accessTo(p: Principal, space: string): SpaceAccess | undefined {
  // Own entries only: a space may well be named `constructor` or `__proto__`, and the prototype's members
  // must not read as grants.
  if (Object.hasOwn(p.spaces, space)) return p.spaces[space];
  return Object.hasOwn(p.spaces, '*') ? p.spaces['*'] : undefined;
}

export function canRead(p: Principal, space: string): boolean {
  const access = accessTo(p, space);
  return access === 'r' || access === 'rw';
}

export function canWrite(p: Principal, space: string): boolean {
  return accessTo(p, space) === 'rw';
}
