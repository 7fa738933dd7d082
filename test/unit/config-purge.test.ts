/**
 * Reading the purge settings (OPERATIONS.md "Purge of expired and deleted anchors", SPEC.md L5): defaults,
 * 0 as off / forever, and refusals that name the setting, including a keep period shorter than the grace.
 */
import { describe, expect, it } from 'vitest';
import { readConfig } from '../../packages/server/src/config.js';

describe('config: the purge', () => {
  it('L5: defaults are an hourly pass, 30 days of grace and 365 of tombstones; 0 turns the pass off or keeps tombstones forever', () => {
    expect(readConfig({}).purge).toEqual({ intervalS: 3600, graceDays: 30, keepDays: 365 });
    expect(readConfig({ CAIRN_PURGE_INTERVAL_S: '0', CAIRN_TOMBSTONE_GRACE_DAYS: '7', CAIRN_TOMBSTONE_KEEP_DAYS: '0' }).purge).toEqual({ intervalS: 0, graceDays: 7, keepDays: 0 });
    expect(readConfig({ CAIRN_TOMBSTONE_GRACE_DAYS: '' }).purge.graceDays).toBe(30);
  });

  it('L5: a bad number, or a keep period shorter than the grace, refuses to start', () => {
    for (const bad of ['-1', '1.5', 'weekly']) {
      expect(() => readConfig({ CAIRN_PURGE_INTERVAL_S: bad })).toThrow(/CAIRN_PURGE_INTERVAL_S=.* is not a number of seconds/);
      expect(() => readConfig({ CAIRN_TOMBSTONE_GRACE_DAYS: bad })).toThrow(/CAIRN_TOMBSTONE_GRACE_DAYS=.* is not a number of days/);
    }
    expect(() => readConfig({ CAIRN_TOMBSTONE_GRACE_DAYS: '60', CAIRN_TOMBSTONE_KEEP_DAYS: '30' })).toThrow(/CAIRN_TOMBSTONE_KEEP_DAYS=30 is shorter than CAIRN_TOMBSTONE_GRACE_DAYS=60/);
  });
});
