/**
 * S7 over HTTP: no REST caller takes more than its share of a node. Three checks, each per node (a caller
 * spread over n nodes behind a balancer gets n shares; the node, not the deployment, is what is protected):
 *
 *   per address      refused tokens per remote address: each costs an audit row (L4), a database write,
 *                    so past the budget a refused token is answered 429 RATE_LIMITED and not recorded.
 *                    Only refusals count and only refusals are refused: every user behind one proxy or
 *                    NAT shares an address, and an attacker there must not lock the others out.
 *   per principal    after auth, per (tenant, subject), two budgets: `query` (read-model queries) and
 *                    `history` (history reads, change listings, reverts, `anchors?at=`), which replay the
 *                    log and cost up to a whole doc's history each. The dev mode's one anonymous principal
 *                    is counted per address, or every user of a dev server would share one budget.
 *   history slots    at most `historyInFlight` history requests replay at once on the node; one more is
 *                    refused OVERLOADED (503) at once instead of queueing behind work it cannot see
 *
 * Over budget is 429 RATE_LIMITED with `Retry-After` (seconds until the window frees). The counting is
 * @fastify/rate-limit's (a fixed window per key in an LRU), through its `createRateLimit` so the three
 * checks can run at the points above rather than at one hook.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import rateLimit from '@fastify/rate-limit';
import type { Principal } from '../auth/principal.js';
import { withRetryAfter } from './errors.js';
import { settingDefault } from '../settings.js';

export interface RestLimitSettings {
  /** Refused tokens per minute per remote address. */
  refusalsPerAddress: number;
  /** Read-model queries per minute per principal. */
  perPrincipal: number;
  /** History reads and reverts per minute per principal. */
  historyPerPrincipal: number;
  /** History requests replaying at once on this node. */
  historyInFlight: number;
}

export const DEFAULT_REST_LIMITS: RestLimitSettings = {
  refusalsPerAddress: Number(settingDefault('CAIRN_REST_AUTH_FAILURES_PER_ADDRESS')),
  perPrincipal: Number(settingDefault('CAIRN_REST_RATE_PER_TOKEN')),
  historyPerPrincipal: Number(settingDefault('CAIRN_HISTORY_RATE_PER_TOKEN')),
  historyInFlight: Number(settingDefault('CAIRN_HISTORY_IN_FLIGHT')),
};

export type RestCost = 'query' | 'history';

export interface RestLimiter {
  /**
   * Counts a refused token against the request's address; past the budget, returns the RATE_LIMITED error
   * to answer instead of the refusal (and the caller records no audit row).
   */
  refused(req: FastifyRequest): Promise<Error | null>;
  /** Counts the request against its principal's budget for `cost`; throws RATE_LIMITED past it. */
  principal(req: FastifyRequest, principal: Principal, cost: RestCost): Promise<void>;
  /** Runs history work in one of the node's slots; throws OVERLOADED when every slot is taken. */
  slot<T>(work: () => Promise<T>): Promise<T>;
}


const MINUTE = 60_000;
/** Keys kept per check; past it the least recently seen key's count is forgotten. */
const KEYS = 20_000;

export async function registerRestLimits(app: FastifyInstance, overrides: Partial<RestLimitSettings> = {}): Promise<RestLimiter> {
  const settings = { ...DEFAULT_REST_LIMITS, ...overrides };
  await app.register(rateLimit, { global: false, cache: KEYS });
  const byAddress = app.createRateLimit({ max: settings.refusalsPerAddress, timeWindow: MINUTE, keyGenerator: (req) => req.ip });
  const principalKey = (req: FastifyRequest) => {
    const p = principalOf.get(req)!;
    return p.subject === 'anonymous' ? `${p.tenant}\n\n${req.ip}` : `${p.tenant}\n${p.subject}`;
  };
  const principalOf = new WeakMap<FastifyRequest, Principal>();
  const byPrincipal = {
    query: app.createRateLimit({ max: settings.perPrincipal, timeWindow: MINUTE, keyGenerator: principalKey }),
    history: app.createRateLimit({ max: settings.historyPerPrincipal, timeWindow: MINUTE, keyGenerator: principalKey }),
  };
  let inFlight = 0;

  async function check(limit: typeof byAddress, req: FastifyRequest, what: string): Promise<void> {
    const r = await limit(req);
    if (!r.isAllowed && r.isExceeded) throw withRetryAfter('RATE_LIMITED', `more than ${r.max} ${what} per minute; retry in ${r.ttlInSeconds} s`, r.ttlInSeconds);
  }

  return {
    async refused(req) {
      const r = await byAddress(req);
      return !r.isAllowed && r.isExceeded
        ? withRetryAfter('RATE_LIMITED', `more than ${r.max} refused tokens from this address per minute; retry in ${r.ttlInSeconds} s`, r.ttlInSeconds)
        : null;
    },
    async principal(req, principal, cost) {
      principalOf.set(req, principal);
      await check(byPrincipal[cost], req, cost === 'history' ? 'history requests for this token' : 'queries for this token');
    },
    async slot(work) {
      if (inFlight >= settings.historyInFlight) {
        throw withRetryAfter('OVERLOADED', `${settings.historyInFlight} history requests are replaying on this node`, 1);
      }
      inFlight++;
      try {
        return await work();
      } finally {
        inFlight--;
      }
    },
  };
}
