/**
 * Reading the row-security and quota settings (OPERATIONS.md "Database roles", "Tenant quotas"): unset
 * means off, a bad value refuses to start with the setting's name.
 */
import { describe, expect, it } from 'vitest';
import { readConfig } from '../../packages/server/src/config.js';

describe('config: quotas and the owner URL', () => {
  it('S5: CAIRN_MIGRATE_URL makes DATABASE_URL the app role, and needs it', () => {
    expect(readConfig({}).migrateUrl).toBeNull();
    expect(readConfig({ DATABASE_URL: 'postgres://app@db/x', CAIRN_MIGRATE_URL: 'postgres://owner@db/x' }).migrateUrl).toBe('postgres://owner@db/x');
    expect(() => readConfig({ CAIRN_MIGRATE_URL: 'postgres://owner@db/x' })).toThrow(/CAIRN_MIGRATE_URL needs DATABASE_URL/);
  });

  it('quotas are off unless set, and each must be a positive integer', () => {
    expect(readConfig({}).quotas).toEqual({});
    expect(readConfig({ CAIRN_QUOTA_DOCS: '10', CAIRN_QUOTA_BYTES: '1048576', CAIRN_QUOTA_CONNECTIONS: '3' }).quotas).toEqual({ docs: 10, bytes: 1_048_576, connections: 3 });
    expect(readConfig({ CAIRN_QUOTA_BYTES: '' }).quotas).toEqual({});
    for (const bad of ['0', '-1', '1.5', 'many']) {
      expect(() => readConfig({ CAIRN_QUOTA_DOCS: bad })).toThrow(new RegExp(`CAIRN_QUOTA_DOCS=${bad.replace('.', '\\.')} is not a positive integer`));
    }
  });
});
