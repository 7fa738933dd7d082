import { describe, expect, it } from 'vitest';
import { canRead, canWrite } from '../../packages/server/src/auth/access.js';
import { DEV_PRINCIPAL, type Principal } from '../../packages/server/src/auth/principal.js';
import { createTokenVerifier, issueToken } from '../../packages/server/src/auth/tokens.js';

const principal = (spaces: Principal['spaces']): Principal => ({ tenant: 't', subject: 's', spaces });

describe('S1: access per space', () => {
  it("S1: an exact space entry wins over '*', in both directions", () => {
    const mostlyWrite = principal({ '*': 'rw', plans: 'r' });
    expect(canRead(mostlyWrite, 'plans')).toBe(true);
    expect(canWrite(mostlyWrite, 'plans')).toBe(false);
    expect(canWrite(mostlyWrite, 'site')).toBe(true);

    const mostlyRead = principal({ '*': 'r', site: 'rw' });
    expect(canWrite(mostlyRead, 'site')).toBe(true);
    expect(canWrite(mostlyRead, 'plans')).toBe(false);
    expect(canRead(mostlyRead, 'plans')).toBe(true);
  });

  it('S1: a space with no entry and no * is neither readable nor writable', () => {
    const p = principal({ site: 'r' });
    expect(canRead(p, 'site')).toBe(true);
    expect(canWrite(p, 'site')).toBe(false);
    expect(canRead(p, 'other')).toBe(false);
    expect(canWrite(p, 'other')).toBe(false);
    expect(canRead(principal({}), 'site')).toBe(false);
  });

  it('S1: members of Object.prototype never read as grants', () => {
    const p = principal({ site: 'rw' });
    for (const space of ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf']) {
      expect(canRead(p, space), space).toBe(false);
      expect(canWrite(p, space), space).toBe(false);
    }
  });

  it('S1: a token may grant a space named __proto__ without touching the prototype', async () => {
    const secret = 'unit-test-secret-that-is-long-enough-0123';
    const token = await issueToken({ secret, tenant: 't', subject: 's', spaces: JSON.parse('{"__proto__":"rw"}') as Principal['spaces'] });
    const p = await createTokenVerifier({ secret }).verify(token);
    expect(Object.getPrototypeOf(p.spaces)).toBe(Object.prototype);
    expect(canWrite(p, '__proto__')).toBe(true);
    expect(canRead(p, 'site')).toBe(false);
  });

  it('S1: the dev-mode principal may read and write every space', () => {
    expect(canRead(DEV_PRINCIPAL, 'anything')).toBe(true);
    expect(canWrite(DEV_PRINCIPAL, 'anything')).toBe(true);
  });
});
