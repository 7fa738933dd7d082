/**
 * What an audit row may hold. Its text comes partly from clients (a token's subject, a clientId, an Origin
 * header), and Postgres refuses a NUL character or a lone UTF-16 surrogate in text and jsonb: one such
 * string would make the Store refuse its whole batch, and the events of honest clients with it. So text is
 * made well-formed, NUL becomes U+FFFD, and it is cut to a bounded length; detail is bounded JSON.
 */
const MAX_TEXT = 512;
const MAX_DETAIL_JSON = 2048;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

export function cleanAuditText(value: string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  return value.slice(0, MAX_TEXT).replace(LONE_SURROGATE, '\uFFFD').replaceAll('\u0000', '\uFFFD');
}

function clean(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return cleanAuditText(value);
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'boolean' || value === null) return value;
  if (depth > 3) return null;
  if (Array.isArray(value)) return value.slice(0, 32).map((v) => clean(v, depth + 1));
  if (typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).slice(0, 32).map(([k, v]) => [cleanAuditText(k)!, clean(v, depth + 1)]));
  }
  return null;
}

/** A JSON object of bounded size; one too large keeps a marker that it was cut, not its content. */
export function cleanAuditDetail(detail: Readonly<Record<string, unknown>> | undefined): Record<string, unknown> {
  if (detail === undefined) return {};
  const cleaned = clean(detail, 0) as Record<string, unknown>;
  return JSON.stringify(cleaned).length <= MAX_DETAIL_JSON ? cleaned : { truncated: true };
}
