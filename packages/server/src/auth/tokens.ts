/**
 * Tokens (S1): HS256 JWTs signed with `CAIRN_AUTH_SECRET`, carrying the claims of token-claims.ts. Without
 * a secret the server is in dev mode and every token, the empty one included, is the anonymous read+write
 * principal of the `default` tenant.
 *
 * Only HS256 is accepted: `none` and every other algorithm are refused, so a token cannot choose how it is
 * checked. Every failure is `CairnError('UNAUTHENTICATED')` with a short detail that never echoes the token.
 */
import { CairnError } from '@cairn/shared';
import { errors, jwtVerify, SignJWT } from 'jose';
import { DEV_PRINCIPAL, type Principal, type SpaceAccess } from './principal.js';
import { claimProblem, hmacKey, principalOf } from './token-claims.js';

const ALG = 'HS256';
const DEFAULT_EXPIRES_IN_SEC = 3600;

export interface TokenVerifier {
  readonly devMode: boolean;
  verify(token: string): Promise<Principal>;
}

/** `secret` unset: dev mode. Otherwise it must be at least 32 bytes (throws at once if not). */
export function createTokenVerifier(opts: { secret?: string | undefined } = {}): TokenVerifier {
  if (opts.secret === undefined) return { devMode: true, verify: () => Promise.resolve(DEV_PRINCIPAL) };
  const key = hmacKey(opts.secret);
  return {
    devMode: false,
    async verify(token) {
      let payload: Record<string, unknown>;
      try {
        ({ payload } = await jwtVerify(token, key, { algorithms: [ALG], requiredClaims: ['exp', 'sub', 'tnt', 'spc'] }));
      } catch (err) {
        throw new CairnError('UNAUTHENTICATED', reasonOf(err), { cause: err });
      }
      const problem = claimProblem(payload);
      if (problem) throw new CairnError('UNAUTHENTICATED', problem);
      return principalOf(payload);
    },
  };
}

/**
 * L4: who a refused token belongs to, when the refusal itself proves it: an expired token's signature was
 * checked before its expiry (jose verifies in that order), so its claims are ours. Any other refusal names
 * nobody: its claims may be forged.
 */
export function refusedTokenOwner(err: unknown): { tenant: string; subject: string } | Record<string, never> {
  const cause = err instanceof Error ? err.cause : undefined;
  if (!(cause instanceof errors.JWTExpired) || claimProblem(cause.payload) !== null) return {};
  const p = principalOf(cause.payload);
  return { tenant: p.tenant, subject: p.subject };
}

function reasonOf(err: unknown): string {
  if (err instanceof errors.JWTExpired) return 'expired';
  if (err instanceof errors.JWSSignatureVerificationFailed) return 'bad signature';
  if (err instanceof errors.JOSEAlgNotAllowed) return `only ${ALG} is accepted`;
  if (err instanceof errors.JWTClaimValidationFailed) return `claim ${err.claim} is missing or invalid`;
  return 'not a well-formed token';
}

export interface IssueTokenOptions {
  secret: string;
  tenant: string;
  subject: string;
  spaces: Readonly<Record<string, SpaceAccess>>;
  /** The `adm` claim: an admin of its tenant (L4's audit endpoint). Default false. */
  admin?: boolean;
  /** Lifetime from now; default one hour. A negative value makes an already expired token (for tests). */
  expiresInSec?: number;
}

/** Signs a token for tests, the demo and operators; refuses claims the verifier would refuse. */
export async function issueToken(opts: IssueTokenOptions): Promise<string> {
  const key = hmacKey(opts.secret);
  const expiresInSec = opts.expiresInSec ?? DEFAULT_EXPIRES_IN_SEC;
  if (!Number.isFinite(expiresInSec)) throw new CairnError('BAD_REQUEST', 'expiresInSec must be a finite number');
  const claims = { sub: opts.subject, tnt: opts.tenant, spc: { ...opts.spaces }, ...(opts.admin ? { adm: true } : {}) };
  const problem = claimProblem(claims);
  if (problem) throw new CairnError('BAD_REQUEST', problem);
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT(claims)
    .setProtectedHeader({ alg: ALG, typ: 'JWT' })
    .setIssuedAt(now)
    .setExpirationTime(now + Math.floor(expiresInSec))
    .sign(key);
}
