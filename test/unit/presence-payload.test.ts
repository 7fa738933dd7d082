/**
 * S6 (room/presence-payload.ts): what the presence check accepts and refuses, before y-protocols sees it.
 */
import { describe, expect, it } from 'vitest';
import * as encoding from 'lib0/encoding';
import { DEFAULT_LIMITS } from '@cairn/shared';
import { readPresence } from '../../packages/server/src/room/presence-payload.js';

function update(states: string[], trailing = false): Uint8Array {
  const enc = encoding.createEncoder();
  encoding.writeVarUint(enc, states.length);
  states.forEach((s, i) => {
    encoding.writeVarUint(enc, i + 1);
    encoding.writeVarUint(enc, 1);
    encoding.writeVarString(enc, s);
  });
  if (trailing) encoding.writeUint8(enc, 0);
  return encoding.toUint8Array(enc);
}

const problem = (bytes: Uint8Array) => {
  const r = readPresence(bytes, DEFAULT_LIMITS);
  return r.ok ? null : r.problem;
};

describe('presence payload check', () => {
  it('S6: JSON states, removals and brackets inside strings pass', () => {
    expect(problem(update(['{"name":"x","cursor":[1,2]}', 'null', '"[[[[[[[[[[[[[[[[[[[[[[["', '{"s":"\\"{{{{{{{{{{{{{{{{{{{{"}']))).toBeNull();
    expect(problem(update([`{"a":${'['.repeat(15)}${']'.repeat(15)}}`]))).toBeNull();
  });

  it('S6: not JSON, too deep, too large, too many entries, truncated or trailing bytes are refused', () => {
    expect(problem(update(['{oops']))).toMatch(/not JSON/);
    expect(problem(update(['undefined']))).toMatch(/not JSON/);
    expect(problem(update([`${'['.repeat(17)}${']'.repeat(17)}`]))).toMatch(/deeper/);
    expect(problem(update([JSON.stringify('x'.repeat(DEFAULT_LIMITS.maxPresenceStateBytes))]))).toMatch(/larger/);
    expect(problem(update(Array.from({ length: DEFAULT_LIMITS.maxPresenceEntries + 1 }, () => 'null')))).toMatch(/entries/);
    expect(problem(update(['{"a":1}']).slice(0, -2))).toMatch(/truncated/);
    expect(problem(update(['null'], true))).toMatch(/trailing/);
    expect(problem(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]))).not.toBeNull();
  });
});
