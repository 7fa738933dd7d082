import { describe, expect, it } from 'vitest';
import { isUuid, isUuidV7, newAnchorId, uuidV7Time } from '@cairn/shared';

describe('anchor ids (DESIGN §6: minted offline, UUIDv7)', () => {
  it('mints distinct UUIDv7 ids that sort by creation order', () => {
    const ids = Array.from({ length: 2000 }, () => newAnchorId());
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(isUuidV7(id)).toBe(true);
    expect([...ids].sort()).toEqual(ids);
  });

  it('carries the creation time', () => {
    const id = newAnchorId(1_717_171_717_171);
    expect(uuidV7Time(id)).toBe(1_717_171_717_171);
    expect(id < newAnchorId(1_717_171_717_172)).toBe(true);
  });

  it('isUuid accepts canonical UUIDs only', () => {
    expect(isUuid('0190a4c2-7c3e-7b1a-8f00-123456789abc')).toBe(true);
    expect(isUuid('0190A4C2-7C3E-7B1A-8F00-123456789ABC')).toBe(true);
    expect(isUuid('550e8400-e29b-41d4-a716-446655440000')).toBe(true);
    expect(isUuidV7('550e8400-e29b-41d4-a716-446655440000')).toBe(false);
    for (const bad of ['', 'not-a-uuid', '0190a4c27c3e7b1a8f00123456789abc', '0190a4c2-7c3e-7b1a-8f00-123456789abcd', 42, null, undefined]) {
      expect(isUuid(bad)).toBe(false);
    }
    expect(() => uuidV7Time('550e8400-e29b-41d4-a716-446655440000')).toThrow(expect.objectContaining({ code: 'BAD_REQUEST' }));
  });
});
