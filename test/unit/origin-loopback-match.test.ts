/**
 * S2: which Origins count as loopback for dev mode (http/origin-check.ts), and that only dev mode makes them
 * special. The real server process is in test/integration/dev-mode-origins.test.ts.
 */
import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { isLoopbackOrigin, originRefused } from '../../packages/server/src/http/origin-check.js';

const req = (origin: string | undefined, host = '127.0.0.1:8787') => ({ headers: { origin, host } }) as unknown as IncomingMessage;

describe('loopback origins (S2, dev mode)', () => {
  it('S2: localhost, *.localhost, 127.0.0.0/8 and [::1] on any port, http or https, are loopback', () => {
    for (const o of ['http://localhost:5173', 'https://localhost', 'http://app.localhost:5173', 'http://LOCALHOST:3000', 'http://127.0.0.1:3000', 'http://127.4.5.6', 'http://[::1]:8080', 'https://[0:0::1]:443', 'http://localhost.:5173']) {
      expect(isLoopbackOrigin(o), o).toBe(true);
    }
  });

  it('S2: other names, look-alikes, other schemes and opaque origins are not', () => {
    for (const o of ['http://example.com', 'http://localhost.evil.com', 'http://evil-localhost', 'http://localhost-evil.com', 'http://128.0.0.1', 'http://[::2]', 'http://0.0.0.0:8080', 'file://localhost', 'chrome-extension://localhost', 'null', '']) {
      expect(isLoopbackOrigin(o), o).toBe(false);
    }
  });

  it('S2: dev mode passes loopback origins; with auth (loopback false) they need a list entry like any other', () => {
    const dev = { allowed: [] as string[], loopback: true };
    const auth = { allowed: [] as string[], loopback: false };
    expect(originRefused(req('http://localhost:5173'), dev)).toBe(false);
    expect(originRefused(req('http://localhost.evil.com'), dev)).toBe(true);
    expect(originRefused(req('http://localhost:5173'), auth)).toBe(true);
    expect(originRefused(req('http://localhost:5173'), { allowed: ['http://localhost:5173'], loopback: false })).toBe(false);
    // The server's own origin and a request with no Origin pass in both modes, as before.
    expect(originRefused(req('http://127.0.0.1:8787'), auth)).toBe(false);
    expect(originRefused(req(undefined), auth)).toBe(false);
  });
});
