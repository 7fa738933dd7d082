/**
 * Reading the L3 settings (OPERATIONS.md "Configuration" and "Edge cache", DESIGN.md section 7): on by
 * default (start-node.ts only builds the cache with REDIS_URL), `off`, the numbers, and refusals that name the setting.
 */
import { describe, expect, it } from 'vitest';
import { readConfig } from '../../packages/server/src/config.js';

describe('config: the L3 snapshot cache', () => {
  it('L3: on by default, with a one hour TTL, a 64 MiB cap and a 30 s lease; CAIRN_L3=off turns it off', () => {
    expect(readConfig({}).l3).toEqual({ enabled: true, ttlS: 3600, maxBytes: 64 * 1024 * 1024, leaseMs: 30_000 });
    expect(readConfig({ CAIRN_L3: 'off' }).l3.enabled).toBe(false);
    expect(readConfig({ CAIRN_L3: 'ON', CAIRN_L3_TTL_S: '60', CAIRN_L3_MAX_BYTES: '1000', CAIRN_L3_LEASE_MS: '500' }).l3).toEqual({ enabled: true, ttlS: 60, maxBytes: 1000, leaseMs: 500 });
  });

  it('L3: a value that is neither on nor off, or a bad number, refuses to start', () => {
    expect(() => readConfig({ CAIRN_L3: 'false' })).toThrow(/CAIRN_L3=false is not on or off/);
    for (const bad of ['0', '-5', '1.5', 'lots']) {
      expect(() => readConfig({ CAIRN_L3_MAX_BYTES: bad })).toThrow(/CAIRN_L3_MAX_BYTES=.* is not a positive integer/);
      expect(() => readConfig({ CAIRN_L3_TTL_S: bad })).toThrow(/CAIRN_L3_TTL_S=.* is not a positive integer/);
    }
  });
});
