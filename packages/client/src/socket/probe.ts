/**
 * Why a socket failed its handshake (O4). A browser WebSocket reports every refused or unreachable
 * handshake alike, as close 1006, and hides the HTTP answer. After an attempt that never opened, the
 * connection asks a probe instead: by default a plain GET of the same URL with the http(s) scheme, which
 * the server answers with a catalog body and CORS headers (packages/server/src/http/sync-probe.ts):
 *
 * | answer | diagnosis |
 * |---|---|
 * | fetch fails (refused, DNS, TLS, timeout) | UNREACHABLE |
 * | 426 (the endpoint is here: upgrade) | none: the handshake failed for another reason |
 * | a catalog body `{ error: { code } }` | that code: ORIGIN_NOT_ALLOWED (403), NOT_FOUND (404), … |
 * | 502, 503, 504 without one (a proxy whose upstream is down) | UNREACHABLE |
 * | 404, or 2xx without one (a page, not a sync endpoint) | NOT_FOUND |
 * | anything else | none |
 */
import { ErrorCodes, type ErrorCode } from '@cairn/shared';

/** Resolves to the diagnosis of a failed handshake to `url`, or null if there is nothing to say. Never rejects. */
export type Probe = (url: string) => Promise<ErrorCode | null>;

export interface HttpProbeOptions {
  /** Default: the global fetch (none: the probe says nothing). */
  fetch?: typeof fetch;
  /** Extra request headers (Node: `origin`, to see what a browser page would). */
  headers?: Record<string, string>;
  /** A probe that hangs this long counts as UNREACHABLE. Default 10 s. */
  timeoutMs?: number;
}

/** The http(s) URL a probe fetches for a ws(s) URL, or null for other schemes. */
export function probeUrlOf(wsUrl: string): string | null {
  const u = new URL(wsUrl);
  if (u.protocol !== 'ws:' && u.protocol !== 'wss:') return null;
  u.protocol = u.protocol === 'ws:' ? 'http:' : 'https:';
  return u.href;
}

async function catalogCode(res: Response): Promise<ErrorCode | null> {
  try {
    const body = (await res.json()) as { error?: { code?: unknown } } | null;
    const code = body?.error?.code;
    return typeof code === 'string' && Object.hasOwn(ErrorCodes, code) ? (code as ErrorCode) : null;
  } catch {
    return null;
  }
}

export function createHttpProbe(opts: HttpProbeOptions = {}): Probe {
  return async (url) => {
    const target = probeUrlOf(url);
    const f = opts.fetch ?? globalThis.fetch;
    if (target === null || typeof f !== 'function') return null;
    let res: Response;
    try {
      res = await f(target, { cache: 'no-store', headers: opts.headers ?? {}, signal: AbortSignal.timeout(opts.timeoutMs ?? 10_000) });
    } catch {
      return 'UNREACHABLE';
    }
    const code = await catalogCode(res); // read in every case: an unread body holds its connection
    if (res.status === 426) return null;
    if (code) return code;
    if (res.status === 502 || res.status === 503 || res.status === 504) return 'UNREACHABLE';
    if (res.status === 404 || (res.status >= 200 && res.status < 300)) return 'NOT_FOUND';
    return null;
  };
}
