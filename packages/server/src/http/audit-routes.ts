/**
 * `GET /v1/admin/audit`: the audit trail (L4), newest first, one page per request. Query string (all
 * optional): `tenant`, `subject`, `action`, `since`, `until` (ISO 8601, since ≤ at < until), `cursor` (the
 * `next` of the previous page), `limit` (1-1000, default 100); audit/audit-query-params.ts reads it.
 * Answer: `{ rows: [...], next: cursor | null }`, each row as audit/audit-event.ts's AuditRecord with `at`
 * in ISO 8601.
 *
 * Who may ask (auth/admin.ts): the operator's CAIRN_ADMIN_TOKEN for every tenant, or a token with the
 * `adm` claim for its own tenant (asking for another is FORBIDDEN). Checked in onRequest, before the query
 * string, as the anchor routes do: 401 UNAUTHENTICATED, 403 FORBIDDEN, then 400 BAD_REQUEST. Every answer
 * and every refusal is itself audited (`audit.query`, `auth.refused`, `access.denied`).
 *
 * Rows reach the table within the audit log's flush interval (one second by default), not at the event.
 */
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { CairnError, isCairnError } from '@cairn/shared';
import type { AuditLog } from '../audit/audit-log.js';
import type { AuditRecord } from '../audit/audit-event.js';
import type { Store } from '../store/store.js';
import type { AdminScope } from '../auth/admin.js';
import { refusedTokenOwner } from '../auth/tokens.js';
import { encodeAuditCursor, parseAuditQuery, type AuditQueryParams } from '../audit/audit-query-params.js';
import { bearerToken } from './bearer-token.js';
import type { RestLimiter } from './rest-limits.js';

export interface AuditRoutesOptions {
  store: Pick<Store, 'queryAudit'>;
  /** auth/admin.ts's createAdminCheck. */
  admin: (token: string) => Promise<AdminScope>;
  audit: Pick<AuditLog, 'record'>;
  /** S7: refused tokens per address (rest-limits.ts). */
  limits?: Pick<RestLimiter, 'refused'>;
}

const str = { type: 'string', maxLength: 512 } as const;

const schema = {
  // Strings only, read by parseAuditQuery: schema coercion would accept what it should refuse.
  querystring: {
    type: 'object',
    properties: { tenant: str, subject: str, action: str, since: str, until: str, cursor: str, limit: str },
  },
} as const;

function toJson(r: AuditRecord) {
  return { ...r, at: r.at.toISOString() };
}

type AuditRequest = FastifyRequest<{ Querystring: AuditQueryParams }>;

export const auditRoutes: FastifyPluginAsync<AuditRoutesOptions> = async (app, opts) => {
  const scopes = new WeakMap<FastifyRequest, AdminScope>();

  app.get('/v1/admin/audit', {
    schema,
    async onRequest(req: AuditRequest) {
      let scope: AdminScope;
      try {
        scope = await opts.admin(bearerToken(req.headers.authorization));
      } catch (err) {
        const code = isCairnError(err) ? err.code : 'UNAUTHENTICATED';
        if (code !== 'FORBIDDEN') {
          const flood = await opts.limits?.refused(req);
          if (flood) throw flood;
        }
        if (code === 'FORBIDDEN') {
          opts.audit.record({ action: 'access.denied', outcome: code, detail: { endpoint: 'admin', op: 'audit.read', address: req.ip } });
        } else {
          opts.audit.record({ action: 'auth.refused', outcome: code, ...refusedTokenOwner(err), detail: { endpoint: 'admin', address: req.ip } });
        }
        throw isCairnError(err) ? err : new CairnError('UNAUTHENTICATED', undefined, { cause: err });
      }
      const asked = (req.query as AuditQueryParams).tenant;
      if (scope.kind === 'tenant' && asked !== undefined && asked !== scope.tenant) {
        opts.audit.record({ action: 'access.denied', outcome: 'FORBIDDEN', tenant: scope.tenant, subject: scope.subject, detail: { endpoint: 'admin', op: 'audit.read', askedTenant: asked } });
        throw new CairnError('FORBIDDEN', "a tenant admin token reads its own tenant's audit trail only");
      }
      scopes.set(req, scope);
    },
    async handler(req: AuditRequest) {
      const scope = scopes.get(req);
      if (!scope) throw new CairnError('UNAUTHENTICATED');
      const query = parseAuditQuery(req.query);
      if (scope.kind === 'tenant') query.tenant = scope.tenant;
      const page = await opts.store.queryAudit(query);
      opts.audit.record({
        action: 'audit.query',
        tenant: query.tenant ?? null,
        subject: scope.kind === 'tenant' ? scope.subject : null,
        detail: { endpoint: 'admin', by: scope.kind, filters: { ...req.query }, rows: page.rows.length },
      });
      return { rows: page.rows.map(toJson), next: page.next ? encodeAuditCursor(page.next) : null };
    },
  });
};
