/**
 * `GET /v1/spaces/:space/anchors`: the anchor read model over HTTP (readmodel/). Query string: exactly one
 * of `bbox`, `near` + `radius`, `cell`, and `limit` (readmodel/query-params.ts). Answer:
 * `{ anchors: [...] }`, each the shared Anchor shape plus `lat`, `lon`, `alt` when the space has a
 * geodetic origin, and `distanceM` for `near` (nearest first). Expired (X4) and deleted anchors are never
 * returned. `at=<ISO time>` (L1) answers the same query over the space as it was then, from the log
 * (history/space-anchors-at.ts), with expiry judged at that time. The read model follows commits
 * asynchronously: an anchor shows up here shortly after its update was acked, not at the ack.
 *
 * Auth is the socket's (S1): `Authorization: Bearer <token>` checked by the server's verify function in
 * onRequest, before the query string is even validated, so an unauthenticated caller learns nothing about
 * the route: 401 UNAUTHENTICATED, then 403 FORBIDDEN without read access to the space, then
 * 400 BAD_REQUEST. The tenant comes from the token only (S5). Error bodies are the catalog's (S4).
 * L4: each refusal and each query leaves an audit row (`auth.refused`, `access.denied`, `rest.query`,
 * `history.read` for `at=`).
 */
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { CairnError, distanceM, isCairnError, type LatLon } from '@cairn/shared';
import type { AuditLog } from '../audit/audit-log.js';
import type { Principal } from '../auth/principal.js';
import type { AnchorQuery, AnchorRecord, AnchorStore, QueryOptions } from '../readmodel/anchor-store.js';
import { parseAnchorQuery, type AnchorQueryParams } from '../readmodel/query-params.js';
import { parseHistoryTarget } from '../history/history-target.js';
import { createPrincipals } from './request-principal.js';
import type { RestLimiter } from './rest-limits.js';

export interface AnchorRoutesOptions {
  anchors: AnchorStore;
  verify: (token: string) => Promise<Principal>;
  /** The clock expiry is judged by, ms since the epoch. Default Date.now. */
  now?: () => number;
  /**
   * L1: `?at=<ISO time>` answers from the docs as of that time instead of the read model
   * (history/space-anchors-at.ts). Absent: `at` is refused.
   */
  anchorsAt?: (tenant: string, space: string, at: Date, query: AnchorQuery, options: QueryOptions) => Promise<AnchorRecord[]>;
  /** L4: where refusals and queries are recorded (the node's audit log). */
  audit?: Pick<AuditLog, 'record'>;
  /** S7: queries spend the principal's `query` budget, `at=` its `history` budget and a replay slot. */
  limits?: RestLimiter;
  /**
   * L2: rejects with DOC_DELETED when the space is deleted, else names the cells whose doc is deleted: their
   * anchors are left out of answers (deletion/deletions.ts). Absent: nothing is deleted.
   */
  deletedCells?: (tenant: string, space: string) => Promise<ReadonlySet<string>>;
}

const str = { type: 'string' } as const;
const num = { type: 'number' } as const;
const numbers = { type: 'array', items: num } as const;

const anchorSchema = {
  type: 'object',
  required: ['id', 'space', 'pose', 'cell', 'props', 'createdBy', 'createdAt'],
  properties: {
    id: str,
    space: str,
    pose: { type: 'object', required: ['p', 'q', 'hlc'], properties: { p: numbers, q: numbers, hlc: str } },
    cell: str,
    props: { type: 'object', additionalProperties: true },
    createdBy: str,
    createdAt: str,
    expiresAt: num,
    platformRefs: { type: 'array', items: { type: 'object', required: ['kind', 'handle'], properties: { kind: str, handle: str, deviceId: str } } },
    lat: num,
    lon: num,
    alt: num,
    distanceM: num,
  },
} as const;

const errorSchema = {
  type: 'object',
  properties: { error: { type: 'object', properties: { code: str, message: str, retryable: { type: 'boolean' } } } },
} as const;

const schema = {
  params: { type: 'object', required: ['space'], properties: { space: { type: 'string', pattern: '^[A-Za-z0-9._~:-]{1,128}$' } } },
  // Numbers stay strings here: the schema's coercion would read '0x10' as 16 and its removeAdditional would
  // drop unknown keys silently; parseAnchorQuery refuses both with a message (readmodel/query-params.ts).
  querystring: {
    type: 'object',
    properties: {
      bbox: { type: 'string', maxLength: 256 },
      near: { type: 'string', maxLength: 128 },
      radius: { type: 'string', maxLength: 32 },
      cell: { type: 'string', maxLength: 12 },
      limit: { type: 'string', maxLength: 32 },
      at: { type: 'string', maxLength: 64 },
    },
  },
  response: {
    200: { type: 'object', required: ['anchors'], properties: { anchors: { type: 'array', items: anchorSchema } } },
    '4xx': errorSchema,
  },
} as const;

function toJson(r: AnchorRecord, center: LatLon | null) {
  const geo = r.geo ? { lat: r.geo.lat, lon: r.geo.lon, alt: r.geo.alt } : {};
  const distance = center && r.geo ? { distanceM: distanceM(center, r.geo) } : {};
  return { ...r.anchor, ...geo, ...distance };
}

type AnchorsRequest = FastifyRequest<{ Params: { space: string }; Querystring: AnchorQueryParams & { at?: string } }>;

export const anchorRoutes: FastifyPluginAsync<AnchorRoutesOptions> = async (app, opts) => {
  const now = opts.now ?? Date.now;
  const principals = createPrincipals(opts.verify, opts.audit, opts.limits);

  app.get('/v1/spaces/:space/anchors', {
    schema,
    async onRequest(req: AnchorsRequest) {
      // The query string is parsed (not yet validated) in onRequest: enough to tell a history read.
      await principals.authenticate(req, req.params.space, 'read', req.query.at === undefined ? 'query' : 'history');
    },
    async handler(req: AnchorsRequest) {
      const principal = principals.of(req);
      const who = { tenant: principal.tenant, subject: principal.subject, space: req.params.space };
      try {
        const deleted = (await opts.deletedCells?.(principal.tenant, req.params.space)) ?? new Set<string>();
        const { at, ...rest } = req.query;
        const { query, limit, center } = parseAnchorQuery(rest);
        if (at !== undefined && !opts.anchorsAt) throw new CairnError('BAD_REQUEST', 'this server answers no history reads');
        const target = at === undefined ? null : parseHistoryTarget(at, false);
        const found = target && 'at' in target && opts.anchorsAt
          // Expiry as of that time too (X4): the space as it looked then, TTLs included.
          ? await principals.replay(() => opts.anchorsAt!(principal.tenant, req.params.space, target.at, query, { now: target.at.getTime(), limit }))
          : await opts.anchors.query(principal.tenant, req.params.space, query, { now: now(), limit });
        // L2: a deleted cell doc's anchors are gone for readers (so a page may hold fewer than `limit`).
        const records = deleted.size === 0 ? found : found.filter((r) => !deleted.has(r.anchor.cell));
        const action = target ? 'history.read' : 'rest.query';
        opts.audit?.record({ action, ...who, detail: { endpoint: 'rest', query: query.kind, limit, results: records.length, ...(at !== undefined ? { at } : {}) } });
        return { anchors: records.map((r) => toJson(r, center)) };
      } catch (err) {
        opts.audit?.record({ action: req.query.at === undefined ? 'rest.query' : 'history.read', outcome: isCairnError(err) ? err.code : 'INTERNAL', ...who, detail: { endpoint: 'rest' } });
        throw err;
      }
    },
  });
};
