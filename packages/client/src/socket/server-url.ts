/**
 * The server URL is checked once, when the client is created. A URL the browser's WebSocket would resolve
 * against the page (`/v1/sync`), or one that merely looks like a host (`localhost:8787/v1/sync` parses as
 * the scheme `localhost:`), would otherwise fail every connect with nothing but close 1006, forever.
 * http(s) URLs are refused rather than converted: the URL the app gives is the URL the socket opens.
 */
import { CairnError } from '@cairn/shared';

/**
 * The URL, unchanged, if it is an absolute ws:// or wss:// URL with no fragment. With a custom socket
 * factory `mem://` is accepted too: the in-memory socket pair of `@cairn/shared` (tests, simulations)
 * ignores the URL it is given.
 */
export function checkServerUrl(url: unknown, customSocket: boolean): string {
  if (typeof url !== 'string') throw new CairnError('INVALID_URL', `got ${typeof url}`);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new CairnError('INVALID_URL', `${JSON.stringify(url.slice(0, 200))} is not absolute`);
  }
  const ok = parsed.protocol === 'ws:' || parsed.protocol === 'wss:' || (customSocket && parsed.protocol === 'mem:');
  if (!ok) throw new CairnError('INVALID_URL', `${JSON.stringify(url.slice(0, 200))} has the scheme ${parsed.protocol}`);
  // The WebSocket constructor throws on a fragment (WHATWG WebSockets, "new WebSocket" step 5).
  if (parsed.hash !== '') throw new CairnError('INVALID_URL', 'a WebSocket URL has no fragment');
  return url;
}
