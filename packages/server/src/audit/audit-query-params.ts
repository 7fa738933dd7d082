/**
 * The admin endpoint's query string (http/audit-routes.ts) into an AuditQuery, refusing with BAD_REQUEST
 * and a message what it cannot read: an unknown key (a typo must not silently widen the answer), a time
 * that is not ISO 8601, a limit outside 1-1000, a cursor not made by this server.
 *
 * A cursor is the (at, id) of the last row of a page as base64url JSON: opaque to callers, stable across
 * nodes (every node pages the same table the same way).
 */
import { CairnError } from '@cairn/shared';
import type { AuditCursor, AuditQuery } from './audit-event.js';

export interface AuditQueryParams {
  tenant?: string;
  subject?: string;
  action?: string;
  since?: string;
  until?: string;
  cursor?: string;
  limit?: string;
}

const KNOWN: ReadonlySet<string> = new Set(['tenant', 'subject', 'action', 'since', 'until', 'cursor', 'limit']);
export const DEFAULT_AUDIT_LIMIT = 100;
export const MAX_AUDIT_LIMIT = 1000;
/** ISO 8601 as Date.parse reads it reliably: a date, optionally a time with seconds and a zone. */
const ISO_TIME = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}))?$/;

function time(name: string, raw: string | undefined): Date | undefined {
  if (raw === undefined) return undefined;
  const ms = ISO_TIME.test(raw) ? Date.parse(raw) : NaN;
  if (Number.isNaN(ms)) throw new CairnError('BAD_REQUEST', `${name} must be an ISO 8601 time such as 2026-12-07T09:30:00Z`);
  return new Date(ms);
}

export function encodeAuditCursor(c: AuditCursor): string {
  return Buffer.from(JSON.stringify([c.at.getTime(), c.id])).toString('base64url');
}

function decodeCursor(raw: string): AuditCursor {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
  } catch {
    parsed = null;
  }
  if (!Array.isArray(parsed) || parsed.length !== 2 || !parsed.every((n) => Number.isSafeInteger(n) && (n as number) >= 0)) {
    throw new CairnError('BAD_REQUEST', 'cursor is not one this server returned');
  }
  return { at: new Date(parsed[0] as number), id: parsed[1] as number };
}

export function parseAuditQuery(params: AuditQueryParams): AuditQuery {
  const unknown = Object.keys(params).find((k) => !KNOWN.has(k));
  if (unknown !== undefined) throw new CairnError('BAD_REQUEST', `unknown query parameter "${unknown.slice(0, 64)}" (known: ${[...KNOWN].join(', ')})`);
  const limit = params.limit === undefined ? DEFAULT_AUDIT_LIMIT : /^\d{1,4}$/.test(params.limit) ? Number(params.limit) : NaN;
  if (!(limit >= 1 && limit <= MAX_AUDIT_LIMIT)) throw new CairnError('BAD_REQUEST', `limit must be an integer from 1 to ${MAX_AUDIT_LIMIT}`);
  const since = time('since', params.since);
  const until = time('until', params.until);
  return {
    limit,
    ...(params.tenant !== undefined ? { tenant: params.tenant } : {}),
    ...(params.subject !== undefined ? { subject: params.subject } : {}),
    ...(params.action !== undefined ? { action: params.action } : {}),
    ...(since ? { since } : {}),
    ...(until ? { until } : {}),
    ...(params.cursor !== undefined ? { after: decodeCursor(params.cursor) } : {}),
  };
}
