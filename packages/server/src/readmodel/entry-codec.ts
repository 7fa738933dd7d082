/**
 * Cell entries as the read model stores them. A cell doc holds whatever its writers put in it (any Yjs
 * value, any string), but Postgres text and jsonb refuse NUL characters and lone UTF-16 surrogates, and
 * JSON has no NaN, Infinity or bytes. An entry is cleaned ONCE, before any store sees it, so the SQL and
 * memory stores hold (and merge) the very same values:
 *
 * - ids that are empty, longer than 256 characters or not storable as text are skipped: such an anchor
 *   exists in the docs but not in the read model (anchor ids are UUIDs, DESIGN.md section 6);
 * - other strings have NUL and lone surrogates replaced by U+FFFD;
 * - non-finite numbers become null, bytes become arrays of numbers, Yjs types their toJSON();
 * - expiresAt is rounded up to a whole millisecond (`expires_at` is a bigint); one that never expires in
 *   any clock (NaN, +∞, beyond 2^53) is stored as no expiry.
 *
 * For the well-formed values the client writes, all of this is the identity.
 */
import type { AnchorPose, CellEntry, PlatformRef } from '@cairn/shared';

const MAX_ID_LENGTH = 256;

// NUL (Postgres text cannot hold it), or a surrogate half without its other half (u flag: a paired one
// is one code point and matches neither class).
// eslint-disable-next-line no-control-regex
const UNSTORABLE = /\u0000|[\uD800-\uDFFF]/gu;

/** A string Postgres can store as text and jsonb: no NUL, no lone surrogate. */
function isStorable(s: string): boolean {
  UNSTORABLE.lastIndex = 0;
  return !UNSTORABLE.test(s);
}

export function storableText(s: string): string {
  return isStorable(s) ? s : s.replace(UNSTORABLE, '\uFFFD');
}

export function isStorableId(id: string): boolean {
  return id.length > 0 && id.length <= MAX_ID_LENGTH && isStorable(id);
}

/** A JSON value equal to `v` wherever JSON can say it. */
export function jsonSafe(v: unknown, depth = 0): unknown {
  if (depth > 64) return null; // Yjs values are trees; this only stops pathological nesting
  if (v === null || typeof v === 'boolean') return v;
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v === 'string') return storableText(v);
  if (typeof v === 'bigint') return v.toString();
  if (v instanceof Uint8Array) return Array.from(v);
  if (Array.isArray(v)) return v.map((x) => (x === undefined ? null : jsonSafe(x, depth + 1)));
  if (typeof v === 'object') {
    const toJSON = (v as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') return jsonSafe((toJSON as () => unknown).call(v), depth + 1);
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      // defineProperty: a key named __proto__ is data here, not the object's prototype.
      if (x !== undefined) Object.defineProperty(out, storableText(k), { value: jsonSafe(x, depth + 1), enumerable: true, writable: true, configurable: true });
    }
    return out;
  }
  return null; // undefined, functions, symbols: nothing JSON can hold
}

export function storedExpiry(e: number | null): number | null {
  if (e === null || Number.isNaN(e) || e > Number.MAX_SAFE_INTEGER) return null;
  return e < Number.MIN_SAFE_INTEGER ? Number.MIN_SAFE_INTEGER : Math.ceil(e);
}

function text(v: unknown): string {
  return storableText(typeof v === 'string' ? v : String(v ?? ''));
}

function cleanRef(r: PlatformRef): PlatformRef {
  const ref = (typeof r === 'object' && r !== null ? r : {}) as Partial<PlatformRef>;
  return { kind: text(ref.kind), handle: text(ref.handle), ...(ref.deviceId !== undefined ? { deviceId: text(ref.deviceId) } : {}) };
}

/** The entry as every store keeps it, or null if its id cannot be stored. */
export function cleanEntry(e: CellEntry): CellEntry | null {
  if (!isStorableId(e.id)) return null;
  const f = e.pose?.frame;
  const pose: AnchorPose | null = e.pose
    ? { p: [...e.pose.p], q: [...e.pose.q], hlc: storableText(e.pose.hlc), ...(f ? { frame: { lat: f.lat, lon: f.lon, alt: f.alt } } : {}) }
    : null;
  return {
    id: e.id,
    cell: e.cell,
    pose,
    movedTo: e.movedTo ? { cell: text(e.movedTo.cell), hlc: storableText(e.movedTo.hlc) } : null,
    expiresAt: storedExpiry(e.expiresAt),
    props: jsonSafe(e.props) as Record<string, unknown>,
    // Keys cleaned as the props' keys are, so a key and its clock still pair up (X5).
    ...(e.propClocks ? { propClocks: jsonSafe(e.propClocks) as Record<string, string> } : {}),
    created: e.created ? { by: text(e.created.by), at: text(e.created.at) } : null,
    // Truthiness is what merging reads: a deleted entry stays deleted whatever its value was.
    deleted: e.deleted ? { at: text(e.deleted.at), by: text(e.deleted.by) } : null,
    platformRefs: e.platformRefs.map(cleanRef),
  };
}

export type StoredBody = Omit<CellEntry, 'id' | 'cell'>;

/** What a store keeps of a cleaned entry: everything but the id and cell its key already holds. */
export function entryBody(e: CellEntry): StoredBody {
  return {
    pose: e.pose, movedTo: e.movedTo, expiresAt: e.expiresAt, props: e.props, ...(e.propClocks ? { propClocks: e.propClocks } : {}),
    created: e.created, deleted: e.deleted, platformRefs: e.platformRefs,
  };
}

/** The entry back from its JSON (already parsed, as jsonb arrives from the drivers). */
export function entryFromJson(cell: string, id: string, json: unknown): CellEntry {
  const b = (typeof json === 'string' ? JSON.parse(json) : json) as StoredBody;
  return {
    id,
    cell,
    pose: b.pose,
    movedTo: b.movedTo,
    expiresAt: b.expiresAt,
    props: b.props,
    // Rows stored before props had clocks have none: their props read as legacy values.
    ...(b.propClocks ? { propClocks: b.propClocks } : {}),
    created: b.created,
    deleted: b.deleted,
    platformRefs: b.platformRefs,
  };
}
