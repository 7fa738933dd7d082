/**
 * L2 over HTTP: deleting and restoring a doc or a whole space (deletion/deletions.ts). Routes
 * (PROTOCOL.md section 10):
 *
 *   DELETE /v1/spaces/:space                       soft-deletes the space (every doc in it)
 *   DELETE /v1/spaces/:space/docs/:name            soft-deletes one doc
 *   POST   /v1/spaces/:space/restore               ends the space's soft deletion (within its grace period)
 *   POST   /v1/spaces/:space/docs/:name/restore    ends the doc's
 *   GET    /v1/spaces/:space/deleted               the deletions in force in the space
 *
 * Deleting and restoring need read+write access to the space, the listing read access (request-principal.ts
 * checks in onRequest, before anything else). Each answer is `{ deletion }` or `{ deletions }`; a deleted
 * space or doc is refused everywhere else with 410 DOC_DELETED.
 */
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { parseDocId } from '@cairn/shared';
import type { Principal } from '../auth/principal.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { Deletions } from '../deletion/deletions.js';
import type { DeletionRecord } from '../store/store.js';
import { createPrincipals } from './request-principal.js';
import type { RestLimiter } from './rest-limits.js';

export interface DeletionRoutesOptions {
  deletions: Pick<Deletions, 'remove' | 'restore' | 'list'>;
  verify: (token: string) => Promise<Principal>;
  audit?: Pick<AuditLog, 'record'>;
  /** S7: deletes, restores and listings spend the principal's `query` budget (rest-limits.ts). */
  limits?: RestLimiter;
}

const space = { type: 'string', pattern: '^[A-Za-z0-9._~:-]{1,128}$' } as const;
const spaceParams = { type: 'object', properties: { space } } as const;
const docParams = { type: 'object', properties: { space, name: { type: 'string' } } } as const;

type Req = FastifyRequest<{ Params: { space: string; name?: string } }>;

function docOf(params: { space: string; name?: string }): string | null {
  if (params.name === undefined) return null;
  const doc = `${params.space}/${params.name}`;
  parseDocId(doc);
  return doc;
}

/** The JSON of a record: times as ISO strings, null where unset. */
export function deletionJson(d: DeletionRecord) {
  const iso = (t: Date | null) => (t ? t.toISOString() : null);
  return {
    space: d.space, doc: d.doc, deletedAt: iso(d.deletedAt), deletedBy: d.deletedBy, purgeAfter: iso(d.purgeAfter),
    restoredAt: iso(d.restoredAt), restoredBy: d.restoredBy, purgedAt: iso(d.purgedAt),
  };
}

export const deletionRoutes: FastifyPluginAsync<DeletionRoutesOptions> = async (app, opts) => {
  const principals = createPrincipals(opts.verify, opts.audit, opts.limits);
  const read = async (req: Req) => principals.authenticate(req, req.params.space);
  const write = async (req: Req) => principals.authenticate(req, req.params.space, 'write');
  const remove = async (req: Req) => ({ deletion: deletionJson(await opts.deletions.remove(principals.of(req), req.params.space, docOf(req.params))) });
  const restore = async (req: Req) => ({ deletion: deletionJson(await opts.deletions.restore(principals.of(req), req.params.space, docOf(req.params))) });

  app.delete('/v1/spaces/:space', { schema: { params: spaceParams }, onRequest: write, handler: remove });
  app.delete('/v1/spaces/:space/docs/:name', { schema: { params: docParams }, onRequest: write, handler: remove });
  app.post('/v1/spaces/:space/restore', { schema: { params: spaceParams }, onRequest: write, handler: restore });
  app.post('/v1/spaces/:space/docs/:name/restore', { schema: { params: docParams }, onRequest: write, handler: restore });
  app.get('/v1/spaces/:space/deleted', {
    schema: { params: spaceParams },
    onRequest: read,
    async handler(req: Req) {
      const p = principals.of(req);
      return { deletions: (await opts.deletions.list(p.tenant, req.params.space)).map(deletionJson) };
    },
  });
};
