/**
 * L1, L2 over HTTP: history reads, change listings and reverts (history/). Routes (PROTOCOL.md section 9):
 *
 *   GET  /v1/spaces/:space/docs/:name?at=<version|ISO time>    the doc as of then: { doc, version, head, update }
 *   GET  /v1/spaces/:space/docs/:name/changes?cursor=&limit=    its log rows: version, time, actor, client
 *   POST /v1/spaces/:space/docs/:name/revert   { at }           restore the doc's content as a new update
 *   POST /v1/spaces/:space/revert              { at: ISO }      every doc of the space
 *   GET  /v1/spaces/:space/anchors/:id/changes?cursor=&limit=   the rows that touched one anchor
 *   POST /v1/spaces/:space/anchors/:id/revert  { at: ISO }      one anchor, in every cell it was or is in
 *
 * `:name` is the doc name after the space, percent-encoded when it holds a `/` (`cell%2Fu4pruyd`). Reads
 * need read access to the space, reverts read+write (READ_ONLY otherwise), checked in onRequest before
 * anything else (request-principal.ts). `space.anchors?at=` is in anchors-routes.ts.
 */
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { CairnError, isCairnError, isUuid, parseDocId } from '@cairn/shared';
import { historyTrimmed } from '../store/history-trimmed.js';
import type { Principal } from '../auth/principal.js';
import type { Store } from '../store/store.js';
import { readDocAt } from '../history/doc-at.js';
import { parseHistoryTarget } from '../history/history-target.js';
import { anchorChanges } from '../history/anchor-changes.js';
import type { Reverter } from '../history/reverter.js';
import { createPrincipals } from './request-principal.js';
import type { RestLimiter } from './rest-limits.js';
import type { AuditLog } from '../audit/audit-log.js';
import * as Y from 'yjs';

export interface HistoryRoutesOptions {
  store: Store;
  reverter: Reverter;
  verify: (token: string) => Promise<Principal>;
  /** L4: refusals, history reads and failed reverts are recorded here (committed reverts by the node's onRevert). */
  audit?: Pick<AuditLog, 'record'>;
  /** S7: every route here spends the principal's `history` budget and a replay slot (rest-limits.ts). */
  limits?: RestLimiter;
  /** L2: rejects with DOC_DELETED (410) for a deleted doc or space (deletion/deletions.ts). Absent: never. */
  deletions?: { check(tenant: string, doc: string): Promise<void>; checkSpace(tenant: string, space: string): Promise<void> };
}

const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 1000;

const str = { type: 'string' } as const;
const space = { type: 'string', pattern: '^[A-Za-z0-9._~:-]{1,128}$' } as const;
const pageQuery = { type: 'object', properties: { cursor: { type: 'string', maxLength: 256 }, limit: { type: 'string', maxLength: 8 } }, additionalProperties: false } as const;
const atBody = { type: 'object', required: ['at'], properties: { at: { type: 'string', maxLength: 64 } }, additionalProperties: false } as const;

type Params = { space: string; name?: string; id?: string };
type Req = FastifyRequest<{ Params: Params; Querystring: { at?: string; cursor?: string; limit?: string }; Body: { at: string } }>;

function docOf(params: Params): string {
  const doc = `${params.space}/${params.name ?? ''}`;
  parseDocId(doc);
  return doc;
}

function anchorIdOf(params: Params): string {
  if (!isUuid(params.id ?? '')) throw new CairnError('BAD_REQUEST', 'the anchor id is not a UUID');
  return params.id!;
}

function limitOf(limit: string | undefined): number {
  if (limit === undefined) return DEFAULT_LIMIT;
  if (!/^\d{1,4}$/.test(limit) || Number(limit) < 1 || Number(limit) > MAX_LIMIT) throw new CairnError('BAD_REQUEST', `limit must be 1…${MAX_LIMIT}`);
  return Number(limit);
}

function changeJson(c: { version: number; committedAt: Date; actor: string; clientId: string; seq: number; size: number; doc?: string }) {
  return { ...(c.doc ? { doc: c.doc } : {}), version: c.version, at: c.committedAt.toISOString(), actor: c.actor, clientId: c.clientId, seq: c.seq, size: c.size };
}

function timeOf(at: string): Date {
  const target = parseHistoryTarget(at, false);
  if (!('at' in target)) throw new CairnError('BAD_REQUEST', 'at must be an ISO time');
  return target.at;
}

export const historyRoutes: FastifyPluginAsync<HistoryRoutesOptions> = async (app, opts) => {
  const { store, reverter } = opts;
  const principals = createPrincipals(opts.verify, opts.audit, opts.limits);
  // L4: one row per answered request of an authenticated caller; a committed revert is recorded by the
  // node (sync-node.ts, onRevert) with what it changed, so only a revert that failed is recorded here.
  const failed = new WeakMap<FastifyRequest, string>();
  app.addHook('onError', async (req, _reply, err) => {
    failed.set(req, isCairnError(err) ? err.code : 'INTERNAL');
  });
  app.addHook('onResponse', async (req) => {
    const p = principals.peek(req);
    if (!p || !opts.audit) return;
    const outcome = failed.get(req) ?? 'ok';
    const reading = req.method === 'GET';
    if (!reading && outcome === 'ok') return;
    const params = req.params as Params;
    opts.audit.record({
      action: reading ? 'history.read' : 'revert', outcome, tenant: p.tenant, subject: p.subject, space: params.space,
      ...(params.name !== undefined ? { doc: `${params.space}/${params.name}` } : {}),
      detail: { endpoint: 'rest', route: req.routeOptions.url ?? req.url.split('?')[0] },
    });
  });
  // L2: a deleted doc or space is read or reverted by no one (410 DOC_DELETED), after the access checks.
  const notDeleted = async (req: Req) => {
    const p = principals.of(req);
    if (req.params.name !== undefined) await opts.deletions?.check(p.tenant, docOf(req.params));
    else await opts.deletions?.checkSpace(p.tenant, req.params.space);
  };
  const read = async (req: Req) => {
    await principals.authenticate(req, req.params.space, 'read', 'history');
    await notDeleted(req);
  };
  const write = async (req: Req) => {
    await principals.authenticate(req, req.params.space, 'write', 'history');
    await notDeleted(req);
  };

  app.get('/v1/spaces/:space/docs/:name', {
    schema: { params: { type: 'object', properties: { space, name: str } }, querystring: { type: 'object', required: ['at'], properties: { at: { type: 'string', maxLength: 64 } }, additionalProperties: false } },
    onRequest: read,
    async handler(req: Req) {
      const p = principals.of(req);
      const doc = docOf(req.params);
      const r = await principals.replay(() => readDocAt(store, p.tenant, doc, parseHistoryTarget(req.query.at!, true)));
      try {
        return { doc, version: r.version, head: r.head, update: Buffer.from(Y.encodeStateAsUpdate(r.ydoc)).toString('base64') };
      } finally {
        r.ydoc.destroy();
      }
    },
  });

  app.get('/v1/spaces/:space/docs/:name/changes', {
    schema: { params: { type: 'object', properties: { space, name: str } }, querystring: pageQuery },
    onRequest: read,
    async handler(req: Req) {
      const p = principals.of(req);
      const doc = docOf(req.params);
      const after = req.query.cursor === undefined ? 0 : /^\d{1,15}$/.test(req.query.cursor) ? Number(req.query.cursor) : NaN;
      if (Number.isNaN(after)) throw new CairnError('BAD_REQUEST', 'the cursor is not one this server handed out');
      const limit = limitOf(req.query.limit);
      // Compaction trimmed the rows at or below the floor: a listing starts above it, and a cursor below it
      // (handed out before the trim) would skip rows silently, so it is refused.
      const floor = await store.loadHistoryFloor(p.tenant, doc);
      if (floor && req.query.cursor !== undefined && after < floor.version) throw historyTrimmed(floor);
      // One row more than asked tells whether another page follows.
      const rows = await principals.replay(() => store.listChanges(p.tenant, doc, after, limit + 1));
      const page = rows.slice(0, limit);
      return {
        changes: page.map(changeJson), next: rows.length > limit ? String(page[page.length - 1]!.version) : null,
        floor: floor ? { version: floor.version, at: floor.at.toISOString() } : null,
      };
    },
  });

  app.post('/v1/spaces/:space/docs/:name/revert', {
    schema: { params: { type: 'object', properties: { space, name: str } }, body: atBody },
    onRequest: write,
    async handler(req: Req) {
      const target = parseHistoryTarget(req.body.at, true);
      return principals.replay(() => reverter.revertDoc(principals.of(req), docOf(req.params), target));
    },
  });

  app.post('/v1/spaces/:space/revert', {
    schema: { params: { type: 'object', properties: { space } }, body: atBody },
    onRequest: write,
    async handler(req: Req) {
      const at = timeOf(req.body.at);
      return principals.replay(() => reverter.revertSpace(principals.of(req), req.params.space, at));
    },
  });

  app.get('/v1/spaces/:space/anchors/:id/changes', {
    schema: { params: { type: 'object', properties: { space, id: str } }, querystring: pageQuery },
    onRequest: read,
    async handler(req: Req) {
      const p = principals.of(req);
      const id = anchorIdOf(req.params);
      const limit = limitOf(req.query.limit);
      const page = await principals.replay(() => anchorChanges(store, p.tenant, req.params.space, id, req.query.cursor ?? null, limit));
      return { changes: page.changes.map(changeJson), next: page.next };
    },
  });

  app.post('/v1/spaces/:space/anchors/:id/revert', {
    schema: { params: { type: 'object', properties: { space, id: str } }, body: atBody },
    onRequest: write,
    async handler(req: Req) {
      const id = anchorIdOf(req.params);
      const at = timeOf(req.body.at);
      return principals.replay(() => reverter.revertAnchor(principals.of(req), req.params.space, id, at));
    },
  });
};
