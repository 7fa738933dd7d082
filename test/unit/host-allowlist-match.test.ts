/**
 * S8: which `Host` header values the allowlist serves (server/src/http/host-allowlist.ts). The end-to-end
 * refusals are in test/integration/host-allowlist.test.ts; this pins the matching rules.
 */
import { describe, expect, it } from 'vitest';
import { createHostCheck, isHostEntry } from '../../packages/server/src/http/host-allowlist.js';

describe('Host allowlist matching', () => {
  it('S8: loopback names are always served, on any port; nothing else is without a list', () => {
    const check = createHostCheck([]);
    for (const host of ['localhost', 'localhost:8787', 'LOCALHOST:1', 'localhost.:80', '127.0.0.1', '127.0.0.1:8787', '127.255.0.9:3', '[::1]', '[::1]:8787', 'app.localhost:5173', 'a.b.localhost', 'APP.LOCALHOST.:80']) {
      expect([host, check(host)]).toEqual([host, true]);
    }
    for (const host of [undefined, '', 'evil.example', 'evil.example:8787', 'localhost.evil.example', '127.0.0.1.evil.example', '128.0.0.1', '0.0.0.0:8787', '192.168.1.20:8787', '[::2]:8787', 'localhost:80@evil.example', 'a b', '.localhost', 'app..localhost', 'localhost.evil.example:5173', 'evillocalhost']) {
      expect([host, check(host)]).toEqual([host, false]);
    }
  });

  it('S8: an entry without a port serves every port, one with a port only that port; names are case-insensitive', () => {
    const check = createHostCheck(['Cairn.Example.com', 'sync.example.com:8443', '[2001:db8::1]']);
    for (const host of ['cairn.example.com', 'CAIRN.EXAMPLE.COM:443', 'cairn.example.com.', 'sync.example.com:8443', '[2001:db8::1]:8787']) {
      expect([host, check(host)]).toEqual([host, true]);
    }
    for (const host of ['sync.example.com', 'sync.example.com:443', 'example.com', 'x.cairn.example.com', 'cairn.example.com.evil.example']) {
      expect([host, check(host)]).toEqual([host, false]);
    }
  });

  it("S8: '*' serves any Host; an entry that is not a host is refused", () => {
    expect(createHostCheck('*')('evil.example')).toBe(true);
    expect(['https://cairn.example.com', 'cairn.example.com/', 'a b', ''].map(isHostEntry)).toEqual([false, false, false, false]);
    expect(() => createHostCheck(['https://cairn.example.com'])).toThrow(/not a host/);
  });
});
