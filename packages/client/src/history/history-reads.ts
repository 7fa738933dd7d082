/**
 * L1 on the client: read-only views of the past, fetched over REST (the server's history routes,
 * PROTOCOL.md section 9), not over the sync socket: a historical view is a one-shot read with nothing to
 * subscribe to, and keeping it off the socket leaves the frame protocol and its limits as they are.
 *
 * `openAt` returns a DETACHED Y.Doc: it is not the replica's doc, not in the outbox, never synced. An app
 * may edit it (to build a diff, say) and nothing leaves the device; to put the old content back, a revert
 * on the server (POST …/revert) writes it as a new edit every replica merges (L2).
 */
import * as Y from 'yjs';
import { CairnError, isErrorCode, parseDocId, type Anchor } from '@cairn/shared';

export type HistoryTarget = { version: number } | { at: Date | string };

export interface HistoricalDoc {
  /** A detached copy of the doc as of the target; edits to it stay on this device. */
  doc: Y.Doc;
  /** The doc holds every committed update with version ≤ this (for a time: the last committed by then). */
  version: number;
  /** The doc's head on the server when it answered. */
  head: number;
}

/**
 * A query over a space's anchors as of a time, as the REST query takes it: one of `near` + `radiusM`,
 * `cell`, `bbox`; none is the whole Earth's bbox (every anchor of a space with a geodetic origin).
 */
export interface AnchorsAtQuery {
  bbox?: readonly [minLat: number, minLon: number, maxLat: number, maxLon: number];
  near?: { lat: number; lon: number };
  radiusM?: number;
  /** Anchors whose cell starts with this geohash prefix (also those of a space without a geodetic origin). */
  cell?: string;
  limit?: number;
}

/** An anchor as the REST read model answers it: the shared Anchor plus lat/lon/alt when the space has an origin. */
export type AnchorAt = Anchor & { lat?: number; lon?: number; alt?: number; distanceM?: number };

export interface HistoryReads {
  openAt(docId: string, target: HistoryTarget): Promise<HistoricalDoc>;
  anchorsAt(space: string, at: Date | string, query?: AnchorsAtQuery): Promise<AnchorAt[]>;
}

export interface HistoryReadsOptions {
  /** The sync URL (`ws(s)://host/v1/sync`); REST goes to the same host over http(s). */
  url: string;
  token: () => Promise<string>;
  fetch?: typeof fetch;
}

const WORLD = [-90, -180, 90, 180] as const;

function isoOf(at: Date | string): string {
  const d = at instanceof Date ? at : new Date(at);
  if (Number.isNaN(d.getTime())) throw new CairnError('BAD_REQUEST', 'at must be a Date or an ISO time');
  return d.toISOString();
}

export function createHistoryReads(opts: HistoryReadsOptions): HistoryReads {
  async function get(path: string, params: Record<string, string>): Promise<unknown> {
    // Resolved per call: the client checks its URL itself (INVALID_URL), and a custom socket factory may
    // use a scheme (mem://) that has no http twin; such a client simply cannot read history.
    const u = new URL(path, opts.url.replace(/^ws(s?):/, 'http$1:'));
    for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v);
    const token = await opts.token();
    const doFetch = opts.fetch ?? globalThis.fetch;
    let res: Response;
    try {
      res = await doFetch(u, { headers: token ? { authorization: `Bearer ${token}` } : {} });
    } catch (err) {
      throw new CairnError('UNREACHABLE', undefined, { cause: err });
    }
    const body = (await res.json().catch(() => null)) as { error?: { code?: unknown; message?: unknown } } | null;
    if (!res.ok) {
      const code = isErrorCode(body?.error?.code) ? body.error.code : undefined;
      throw new CairnError(code ?? 'INTERNAL', typeof body?.error?.message === 'string' ? `server: ${body.error.message}` : `HTTP ${res.status}`);
    }
    return body;
  }

  return {
    async openAt(docId, target) {
      const { space, name } = parseDocId(docId); // INVALID_DOC_ID before any request
      const at = 'version' in target ? String(target.version) : isoOf(target.at);
      const body = (await get(`/v1/spaces/${encodeURIComponent(space)}/docs/${encodeURIComponent(name)}`, { at })) as { version: number; head: number; update: string };
      const doc = new Y.Doc();
      Y.applyUpdate(doc, Uint8Array.from(atob(body.update), (c) => c.charCodeAt(0)));
      return { doc, version: body.version, head: body.head };
    },

    async anchorsAt(space, at, query = {}) {
      const params: Record<string, string> = { at: isoOf(at) };
      if (query.near) {
        params['near'] = `${query.near.lat},${query.near.lon}`;
        params['radius'] = String(query.radiusM ?? 0);
      } else if (query.cell !== undefined) params['cell'] = query.cell;
      else params['bbox'] = (query.bbox ?? WORLD).join(',');
      if (query.limit !== undefined) params['limit'] = String(query.limit);
      const body = (await get(`/v1/spaces/${encodeURIComponent(space)}/anchors`, params)) as { anchors: AnchorAt[] };
      return body.anchors;
    },
  };
}
