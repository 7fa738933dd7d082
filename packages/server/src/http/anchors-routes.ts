/**
 * `GET /v1/spaces/:space/anchors`: the anchor read model over HTTP (readmodel/). Query string: exactly one
 * of `bbox`, `near` + `radius`, `cell`, and `limit` (readmodel/query-params.ts). Answer:
 * `{ anchors: [...] }`, each the shared Anchor shape plus `lat`, `lon`, `alt` when the space has a
 * geodetic origin, and `distanceM` for `near` (nearest first). Expired (X4) and deleted anchors are never
 * returned. The read model follows commits asynchronously: an anchor shows up here shortly after its
 * update was acked, not at the ack.
 *
 * Auth is the socket's (S1): `Authorization: Bearer <token>` checked by the server's verify function in
 * onRequest, before the query string is even validated, so an unauthenticated caller learns nothing about
 * the route: 401 UNAUTHENTICATED, then 403 FORBIDDEN without read access to the space, then
 * 400 BAD_REQUEST. The tenant comes from the token only (S5). Error bodies are the catalog's (S4).
 * L4: each refusal and each query leaves an audit row (`auth.refused`, `access.denied`, `rest.query`).
 */
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { CairnError, distanceM, isCairnError, type LatLon } from '@cairn/shared';
import type { AuditLog } from '../audit/audit-log.js';
import { refusedTokenOwner } from '../auth/tokens.js';
import { bearerToken } from './bearer-token.js';
import type { Principal } from '../auth/principal.js';
import { canRead } from '../auth/access.js';
import type { AnchorRecord, AnchorStore } from '../readmodel/anchor-store.js';
import { parseAnchorQuery, type AnchorQueryParams } from '../readmodel/query-params.js';

export interface AnchorRoutesOptions {
  anchors: AnchorStore;
  verify: (token: string) => Promise<Principal>;
  /** The clock expiry is judged by, ms since the epoch. Default Date.now. */
  now?: () => number;
  /** L4: where refusals and queries are recorded (the node's audit log). */
  audit?: Pick<AuditLog, 'record'>;
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

type AnchorsRequest = FastifyRequest<{ Params: { space: string }; Querystring: AnchorQueryParams }>;

export const anchorRoutes: FastifyPluginAsync<AnchorRoutesOptions> = async (app, opts) => {
  const now = opts.now ?? Date.now;
  const principals = new WeakMap<FastifyRequest, Principal>();

  app.get('/v1/spaces/:space/anchors', {
    schema,
    async onRequest(req: AnchorsRequest) {
      let principal: Principal;
      try {
        principal = await opts.verify(bearerToken(req.headers.authorization));
      } catch (err) {
        const refusal = isCairnError(err) ? err : new CairnError('UNAUTHENTICATED', undefined, { cause: err });
        opts.audit?.record({ action: 'auth.refused', outcome: refusal.code, ...refusedTokenOwner(err), detail: { endpoint: 'rest', reason: refusal.message, address: req.ip } });
        throw refusal;
      }
      const space = req.params.space;
      if (!canRead(principal, space)) {
        opts.audit?.record({ action: 'access.denied', outcome: 'FORBIDDEN', tenant: principal.tenant, subject: principal.subject, space, detail: { endpoint: 'rest', op: 'read' } });
        throw new CairnError('FORBIDDEN', 'the token may not read this space');
      }
      principals.set(req, principal);
    },
    async handler(req: AnchorsRequest) {
      const principal = principals.get(req);
      if (!principal) throw new CairnError('UNAUTHENTICATED');
      const who = { tenant: principal.tenant, subject: principal.subject, space: req.params.space };
      try {
        const { query, limit, center } = parseAnchorQuery(req.query);
        const records = await opts.anchors.query(principal.tenant, req.params.space, query, { now: now(), limit });
        opts.audit?.record({ action: 'rest.query', ...who, detail: { endpoint: 'rest', query: query.kind, limit, results: records.length } });
        return { anchors: records.map((r) => toJson(r, center)) };
      } catch (err) {
        opts.audit?.record({ action: 'rest.query', outcome: isCairnError(err) ? err.code : 'INTERNAL', ...who, detail: { endpoint: 'rest' } });
        throw err;
      }
    },
  });
};
