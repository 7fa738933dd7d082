import { describe, expect, it } from 'vitest';
import { decodeJwt, generateKeyPair, SignJWT, UnsecuredJWT, type JWTPayload } from 'jose';
import { CairnError } from '@cairn/shared';
import { createTokenVerifier, issueToken, type IssueTokenOptions } from '../../packages/server/src/auth/tokens.js';

const SECRET = 'unit-test-secret-that-is-long-enough-0123';
const OTHER_SECRET = 'another-secret-that-is-long-enough-456789';
const key = (s: string) => new TextEncoder().encode(s);
const inAnHour = () => Math.floor(Date.now() / 1000) + 3600;
const valid = (): JWTPayload => ({ sub: 'alice', tnt: 'acme', spc: { site: 'rw', '*': 'r' }, exp: inAnHour() });

async function sign(claims: JWTPayload, alg = 'HS256', secret = SECRET): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg }).sign(key(secret));
}

/** Expects verify to refuse the token with UNAUTHENTICATED, and returns the error for further checks. */
async function refused(token: string): Promise<CairnError> {
  const err: unknown = await createTokenVerifier({ secret: SECRET }).verify(token).then(
    () => { throw new Error('the token was accepted'); },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(CairnError);
  expect((err as CairnError).code).toBe('UNAUTHENTICATED');
  expect((err as CairnError).retryable).toBe(false);
  return err as CairnError;
}

describe('S1: dev mode (no secret)', () => {
  it('S1: any token, the empty one included, is the anonymous read+write principal of the default tenant', async () => {
    const verifier = createTokenVerifier({});
    expect(verifier.devMode).toBe(true);
    const expected = { tenant: 'default', subject: 'anonymous', spaces: { '*': 'rw' } };
    await expect(verifier.verify('')).resolves.toEqual(expected);
    await expect(verifier.verify('not a token')).resolves.toEqual(expected);
    await expect(verifier.verify(await sign({ ...valid(), tnt: 'acme' }))).resolves.toEqual(expected);
    expect(createTokenVerifier().devMode).toBe(true);
    expect(createTokenVerifier({ secret: undefined }).devMode).toBe(true);
  });
});

describe('S1: tokens with a secret', () => {
  it('S1: an issued token verifies to its tenant, subject and spaces', async () => {
    const verifier = createTokenVerifier({ secret: SECRET });
    expect(verifier.devMode).toBe(false);
    const token = await issueToken({ secret: SECRET, tenant: 'acme', subject: 'alice', spaces: { site: 'rw', '*': 'r' } });
    const p = await verifier.verify(token);
    expect(p).toEqual({ tenant: 'acme', subject: 'alice', spaces: { site: 'rw', '*': 'r' }, expiresAt: decodeJwt(token).exp! * 1000 });
    expect(Object.isFrozen(p.spaces)).toBe(true);
  });

  it('S1: a token signed by hand with the claims sub, tnt, spc and exp verifies', async () => {
    const claims = valid();
    const p = await createTokenVerifier({ secret: SECRET }).verify(await sign(claims));
    expect(p).toEqual({ tenant: 'acme', subject: 'alice', spaces: { site: 'rw', '*': 'r' }, expiresAt: claims.exp! * 1000 }); // S8
  });

  it('S1: issueToken expires in one hour unless told otherwise', async () => {
    const claims = decodeJwt(await issueToken({ secret: SECRET, tenant: 't', subject: 's', spaces: {} }));
    expect(claims.exp! - claims.iat!).toBe(3600);
    const short = decodeJwt(await issueToken({ secret: SECRET, tenant: 't', subject: 's', spaces: {}, expiresInSec: 60 }));
    expect(short.exp! - short.iat!).toBe(60);
  });

  it('S1: a token signed with another secret is refused', async () => {
    const err = await refused(await sign(valid(), 'HS256', OTHER_SECRET));
    expect(err.message).toContain('bad signature');
  });

  it('S1: a token whose payload was altered is refused', async () => {
    const [header, , signature] = (await sign(valid())).split('.');
    const forged = Buffer.from(JSON.stringify({ ...valid(), tnt: 'victim' })).toString('base64url');
    await refused(`${header}.${forged}.${signature}`);
  });

  it("S1: alg 'none' is refused", async () => {
    await refused(new UnsecuredJWT(valid()).encode());
  });

  it('S1: any algorithm but HS256 is refused, even with the right secret', async () => {
    for (const alg of ['HS384', 'HS512']) {
      const err = await refused(await sign(valid(), alg));
      expect(err.message).toContain('only HS256');
    }
    const { privateKey } = await generateKeyPair('ES256');
    await refused(await new SignJWT(valid()).setProtectedHeader({ alg: 'ES256' }).sign(privateKey));
  });

  it('S1: an expired token is refused', async () => {
    const err = await refused(await issueToken({ secret: SECRET, tenant: 'acme', subject: 'a', spaces: { '*': 'rw' }, expiresInSec: -60 }));
    expect(err.message).toContain('expired');
  });

  it('S1: a token missing any of sub, tnt, spc or exp is refused', async () => {
    for (const claim of ['sub', 'tnt', 'spc', 'exp']) {
      const claims = valid();
      delete claims[claim];
      const err = await refused(await sign(claims));
      expect(err.message, claim).toContain(claim);
    }
  });

  it('S1: ill-typed claims are refused', async () => {
    const bad: JWTPayload[] = [
      { sub: 5 as unknown as string },
      { sub: '' },
      { sub: 'x'.repeat(257) },
      { tnt: 5 },
      { spc: 'rw' },
      { spc: ['site'] },
      { spc: null },
      { spc: { site: 'w' } },
      { spc: { site: true } },
      { spc: { site: 'RW' } },
      { spc: { 'a/b': 'rw' } },
      { spc: { '': 'r' } },
      { exp: String(inAnHour()) as unknown as number },
    ];
    for (const change of bad) await refused(await sign({ ...valid(), ...change }));
  });

  it('S1: a tenant outside [A-Za-z0-9._-]{1,64} is refused', async () => {
    for (const tnt of ['', 'a/b', 'a b', 'ü', 'a:b', 'x'.repeat(65)]) {
      const err = await refused(await sign({ ...valid(), tnt }));
      expect(err.message, tnt).toContain('tnt');
    }
    const verifier = createTokenVerifier({ secret: SECRET });
    for (const tnt of ['acme', 'acme.prod_1-x', 'x'.repeat(64)]) {
      await expect(verifier.verify(await sign({ ...valid(), tnt }))).resolves.toMatchObject({ tenant: tnt });
    }
  });

  it('S1: an empty or malformed token is refused, and the error never echoes the token', async () => {
    await refused('');
    await refused('garbage');
    await refused('a.b.c');
    const token = await sign(valid(), 'HS256', OTHER_SECRET);
    expect((await refused(token)).message).not.toContain(token.split('.')[1]!);
  });
});

describe('S1: secrets and issuing', () => {
  it('S1: a secret shorter than 32 bytes is refused at once (RFC 7518 3.2)', async () => {
    expect(() => createTokenVerifier({ secret: 'short' })).toThrow(/32 bytes/);
    expect(() => createTokenVerifier({ secret: '' })).toThrow(/32 bytes/);
    await expect(issueToken({ secret: 'short', tenant: 't', subject: 's', spaces: {} })).rejects.toThrow(/32 bytes/);
    expect(createTokenVerifier({ secret: 'x'.repeat(32) }).devMode).toBe(false);
  });

  it('S1: issueToken refuses claims the verifier would refuse', async () => {
    const base: IssueTokenOptions = { secret: SECRET, tenant: 'acme', subject: 'alice', spaces: {} };
    const cases: IssueTokenOptions[] = [
      { ...base, tenant: 'a/b' },
      { ...base, subject: '' },
      { ...base, spaces: { site: 'w' as 'r' } },
      { ...base, spaces: { 'a/b': 'r' as const } },
      { ...base, expiresInSec: Number.NaN },
    ];
    for (const opts of cases) {
      await expect(issueToken(opts)).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    }
  });
});
