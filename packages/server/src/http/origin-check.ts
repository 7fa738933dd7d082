/**
 * S2: which browser Origins may open a socket. A request with no Origin (not from a browser) passes: S2
 * protects browsers from cross-site sockets. Otherwise the Origin passes when it is listed
 * (CAIRN_ALLOWED_ORIGINS, or '*'), when it is the server's own (same Host; counts only once the Host itself
 * was accepted by http/host-allowlist.ts, since a DNS-rebinding page's Origin equals its Host too), or, in
 * dev mode only, when it is a loopback origin.
 *
 * Why loopback origins in dev mode: an app on its own dev server (Vite on http://localhost:5173) is another
 * origin than the Cairn server on 127.0.0.1:8787, and was refused until its author found the setting. A
 * loopback origin is a page this machine serves to itself: no remote site can get a browser to send
 * `localhost`, `*.localhost` (browsers resolve these to loopback themselves), 127.0.0.0/8 or [::1] as its
 * Origin. Dev mode already gives anonymous read+write to whoever reaches the (loopback-bound) server, so the
 * pages of this machine add no reach. With a secret nothing here is special: tokens guard the data, and the
 * list says which sites may use them.
 */
import type { IncomingMessage } from 'node:http';
import { isLoopbackName } from './loopback-name.js';

export interface OriginPolicy {
  /** '*' allows every Origin; otherwise these exact origins (plus the server's own). */
  allowed: readonly string[] | '*';
  /** Dev mode (no CAIRN_AUTH_SECRET): any http(s) origin on a loopback name or address, any port, passes. */
  loopback: boolean;
}

/** True for an http(s) Origin on localhost, *.localhost, 127.0.0.0/8 or [::1]; `localhost.evil.com` is not. */
export function isLoopbackOrigin(origin: string): boolean {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
  // URL lower-cases the name and normalises IPv4 (127.1 becomes 127.0.0.1) and IPv6 ([0:0::1] becomes [::1]).
  return isLoopbackName(url.hostname);
}

/** The browser origin a request's own Host stands for. */
function sameOrigin(req: IncomingMessage, origin: string): boolean {
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}

export function originRefused(req: IncomingMessage, policy: OriginPolicy): boolean {
  const origin = req.headers.origin;
  if (origin === undefined || policy.allowed === '*') return false;
  if (policy.allowed.includes(origin) || sameOrigin(req, origin)) return false;
  return !(policy.loopback && isLoopbackOrigin(origin));
}

