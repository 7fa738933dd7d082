/**
 * Who reaches the admin endpoints (auth/admin.ts): the operator's CAIRN_ADMIN_TOKEN for every tenant, a
 * token with the `adm` claim for its own tenant; no token or a bad one UNAUTHENTICATED, a valid token
 * without `adm` FORBIDDEN, dev mode's anonymous principal no admin.
 */
import { describe, expect, it } from 'vitest';
import { SignJWT } from 'jose';
import { createTokenVerifier, issueToken } from '@cairn/server';
import { createAdminCheck } from '../../packages/server/src/auth/admin.js';

const SECRET = 'admin-check-secret-0123456789abcdefgh';
const OPERATOR = 'operator-token-0123456789abcdefghijkl';

describe('admin check', () => {
  const verifier = createTokenVerifier({ secret: SECRET });
  const check = createAdminCheck({ verify: (t) => verifier.verify(t), adminToken: OPERATOR });

  it('L4: the operator token is every tenant; an adm token is its own tenant', async () => {
    expect(await check(OPERATOR)).toEqual({ kind: 'operator' });
    const adm = await issueToken({ secret: SECRET, tenant: 'acme', subject: 'boss', spaces: {}, admin: true });
    expect(await check(adm)).toEqual({ kind: 'tenant', tenant: 'acme', subject: 'boss' });
  });

  it('L4: no token or a bad one is UNAUTHENTICATED; a valid token without adm is FORBIDDEN', async () => {
    await expect(check('')).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    await expect(check(`${OPERATOR}x`)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    const plain = await issueToken({ secret: SECRET, tenant: 'acme', subject: 'alice', spaces: { '*': 'rw' } });
    await expect(check(plain)).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });

  it('L4: adm must be a boolean; adm false is no admin', async () => {
    const sign = (adm: unknown) => new SignJWT({ sub: 'x', tnt: 'acme', spc: {}, adm }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('1h').sign(new TextEncoder().encode(SECRET));
    await expect(check(await sign('yes'))).rejects.toMatchObject({ code: 'UNAUTHENTICATED', message: expect.stringMatching(/claim adm/) });
    await expect(check(await sign(false))).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });

  it('L4: without CAIRN_ADMIN_TOKEN, dev mode has no admin at all', async () => {
    const dev = createAdminCheck({ verify: (t) => createTokenVerifier().verify(t) });
    await expect(dev('')).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(dev(OPERATOR)).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });
});
