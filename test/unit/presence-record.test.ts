/**
 * P4: the presence record's quantization holds its documented precision (position ≤ 1 mm, in fact ≤ 0.25 mm;
 * rotation ≤ 0.1°, in fact well under 0.01°; ray direction ≤ 0.01°), stays small, and anything malformed is
 * INVALID_PRESENCE, never a half-read record.
 */
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_LIMITS, decodePresenceRecord, encodePresenceRecord, isCairnError, leaveRecordBytes, poseDistance, vec3Dot,
  type Pose, type PresenceRecord,
} from '@cairn/shared';
import { prng, type Prng } from '../support/prng.js';
import { SEED, randomQuat, unitVec } from '../support/alignment-scene.js';

const L = DEFAULT_LIMITS;

function randomPose(r: Prng, range: number): Pose {
  return { p: [(r.next() * 2 - 1) * range, (r.next() * 2 - 1) * range, (r.next() * 2 - 1) * range], q: randomQuat(r) };
}

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    return isCairnError(err) ? err.code : `not a CairnError: ${String(err)}`;
  }
  return 'no error';
}

describe(`presence records (SEED=${SEED})`, () => {
  it('P4: 20,000 random poses round-trip within 0.25 mm and 0.01°, rays within 0.01°', () => {
    const r = prng(SEED);
    let worstM = 0;
    let worstDeg = 0;
    let worstRayDeg = 0;
    for (let i = 0; i < 20_000; i++) {
      const range = r.pick([2, 50, 5000, 900_000]);
      const head = randomPose(r, range);
      const ray = { origin: randomPose(r, range).p, direction: unitVec(r) };
      const back = decodePresenceRecord(encodePresenceRecord({ seq: i, head, ray }, L), L);
      const d = poseDistance(back.head!, head);
      worstM = Math.max(worstM, d.meters);
      worstDeg = Math.max(worstDeg, d.degrees);
      const cos = Math.min(1, vec3Dot(back.ray!.direction, ray.direction));
      worstRayDeg = Math.max(worstRayDeg, (Math.acos(cos) * 180) / Math.PI);
      expect(back.seq).toBe(i);
    }
    console.log(`P4 precision (SEED=${SEED}): position ${(worstM * 1000).toFixed(3)} mm, rotation ${worstDeg.toFixed(4)}°, ray ${worstRayDeg.toFixed(4)}°`);
    // Each coordinate is off by at most half a 0.5 mm step: √3 × 0.25 mm across three axes.
    expect(worstM).toBeLessThanOrEqual(Math.sqrt(3) * 0.00025 + 1e-9);
    expect(worstDeg).toBeLessThan(0.01);
    expect(worstRayDeg).toBeLessThan(0.01);
  });

  it('P4: a head pose in a room is 14-16 bytes; head, two hands and a ray about 80', () => {
    const r = prng(SEED + 1);
    const head = randomPose(r, 3);
    const one = encodePresenceRecord({ seq: 1000, head }, L);
    expect(one.byteLength).toBeGreaterThanOrEqual(14);
    expect(one.byteLength).toBeLessThanOrEqual(16);
    const full = encodePresenceRecord({ seq: 1000, head, left: randomPose(r, 3), right: randomPose(r, 3), ray: { origin: head.p, direction: [0, 0, -1] } }, L);
    expect(full.byteLength).toBeLessThanOrEqual(80);
  });

  it('P4: the app state round-trips as JSON and is bounded in size and depth', () => {
    const state = { name: 'Ada', colour: '#f80', tool: { kind: 'pen', width: 2 }, tags: ['a', 'b'] };
    const back = decodePresenceRecord(encodePresenceRecord({ seq: 1, state }, L), L);
    expect(back.state).toEqual(state);
    expect(back.head).toBeUndefined();
    expect(codeOf(() => encodePresenceRecord({ seq: 1, state: 'x'.repeat(L.maxPresenceAppStateBytes) }, L))).toBe('BAD_REQUEST');
    let deep: unknown = 1;
    for (let i = 0; i < L.maxPresenceDepth + 1; i++) deep = [deep];
    expect(codeOf(() => encodePresenceRecord({ seq: 1, state: deep }, L))).toBe('BAD_REQUEST');
  });

  it('P4: a leave carries nothing else; the server-made one decodes with seq 0', () => {
    expect(decodePresenceRecord(leaveRecordBytes(), L)).toEqual({ seq: 0, leave: true });
    const leave: PresenceRecord = { seq: 9, leave: true, head: { p: [0, 0, 0], q: [0, 0, 0, 1] } };
    expect(decodePresenceRecord(encodePresenceRecord(leave, L), L)).toEqual({ seq: 9, leave: true });
  });

  it('P4: bad poses are BAD_REQUEST when encoding', () => {
    expect(codeOf(() => encodePresenceRecord({ seq: 1, head: { p: [Number.NaN, 0, 0], q: [0, 0, 0, 1] } }, L))).toBe('BAD_REQUEST');
    expect(codeOf(() => encodePresenceRecord({ seq: 1, head: { p: [2e6, 0, 0], q: [0, 0, 0, 1] } }, L))).toBe('BAD_REQUEST');
    expect(codeOf(() => encodePresenceRecord({ seq: 1, head: { p: [0, 0, 0], q: [0, 0, 0, 0] } }, L))).toBe('BAD_REQUEST');
    expect(codeOf(() => encodePresenceRecord({ seq: -1 }, L))).toBe('BAD_REQUEST');
  });

  it('P4, S3: malformed records are INVALID_PRESENCE (flags, truncation, trailing bytes, bad state)', () => {
    const r = prng(SEED + 2);
    const good = encodePresenceRecord({ seq: 77, head: randomPose(r, 5), right: randomPose(r, 5), state: { a: 1 } }, L);
    for (let cut = 0; cut < good.byteLength; cut++) {
      expect(codeOf(() => decodePresenceRecord(good.subarray(0, cut), L)), `cut at ${cut}`).toBe('INVALID_PRESENCE');
    }
    expect(codeOf(() => decodePresenceRecord(Uint8Array.of(...good, 0), L))).toBe('INVALID_PRESENCE');
    expect(codeOf(() => decodePresenceRecord(Uint8Array.of(64, 0), L))).toBe('INVALID_PRESENCE');
    expect(codeOf(() => decodePresenceRecord(Uint8Array.of(32 | 1, 0), L))).toBe('INVALID_PRESENCE');
    const notJson = new TextEncoder().encode('{nope');
    expect(codeOf(() => decodePresenceRecord(Uint8Array.of(16, 0, notJson.byteLength, ...notJson), L))).toBe('INVALID_PRESENCE');
    expect(codeOf(() => decodePresenceRecord(Uint8Array.of(16, 0, 2, 0xc3, 0x28), L))).toBe('INVALID_PRESENCE');
    const deep = new TextEncoder().encode('['.repeat(5000) + ']'.repeat(5000));
    const enc = Uint8Array.of(16, 0, 0x88, 0x4e, ...deep);
    expect(codeOf(() => decodePresenceRecord(enc, L))).toBe('INVALID_PRESENCE');
    // Random bytes: never anything but a record or INVALID_PRESENCE.
    for (let i = 0; i < 5000; i++) {
      const b = Uint8Array.from({ length: r.int(40) }, () => r.int(256));
      const got = codeOf(() => decodePresenceRecord(b, L));
      expect(['no error', 'INVALID_PRESENCE']).toContain(got);
    }
  });
});
