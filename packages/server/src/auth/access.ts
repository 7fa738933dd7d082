import type { Principal } from './principal.js';

function accessTo(p: Principal, space: string) {
  return p.spaces[space] ?? p.spaces['*'];
}

export function canRead(p: Principal, space: string): boolean {
  return accessTo(p, space) !== undefined;
}

export function canWrite(p: Principal, space: string): boolean {
  return accessTo(p, space) === 'rw';
}
