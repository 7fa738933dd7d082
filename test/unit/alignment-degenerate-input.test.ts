/**
 * P3: input an alignment cannot be fitted from is refused with CairnError BAD_REQUEST and a message that
 * says why, never answered with a made-up transform.
 */
import { describe, expect, it } from 'vitest';
import { CairnError, createAlignmentEstimator, fitAlignment, type AnchorCorrespondence, type Pose } from '@cairn/shared';
import { prng } from '../support/prng.js';
import { NO_NOISE, SEED, observe, randomQuat, randomTruth } from '../support/alignment-scene.js';

function refusal(fn: () => unknown): CairnError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(CairnError);
    expect((err as CairnError).code).toBe('BAD_REQUEST');
    return err as CairnError;
  }
  throw new Error('expected a refusal');
}

describe(`alignment refuses degenerate input (SEED=${SEED})`, () => {
  const r = prng(SEED);
  const truth = randomTruth(r, 'rigid');
  const at = (p: [number, number, number]): AnchorCorrespondence => {
    const space: Pose = { p, q: randomQuat(r) };
    return { space, observed: observe(r, truth, space, NO_NOISE) };
  };

  it('P3: no correspondences', () => {
    expect(refusal(() => fitAlignment([])).message).toMatch(/at least one/);
    expect(refusal(() => fitAlignment([], { model: 'yaw' })).message).toMatch(/at least one/);
  });

  it('P3: collinear anchors for the rigid fit, however many', () => {
    const line = [0, 1, 2, 3, 4, 5].map((t) => at([1 + t, 1 + 0.5 * t, -2 - t]));
    expect(refusal(() => fitAlignment(line.slice(0, 3), { model: 'rigid' })).message).toMatch(/collinear/);
    expect(refusal(() => fitAlignment(line, { model: 'rigid' })).message).toMatch(/collinear/);
    // Off the line by a few millimeters is still a line: the roll about it would be noise.
    const nearly = [...line.slice(0, 5), at([3, 2.003, -4])];
    expect(refusal(() => fitAlignment(nearly, { model: 'rigid' })).message).toMatch(/collinear/);
    // Coincident anchors are the extreme case.
    const same = at([1, 1, 1]);
    expect(refusal(() => fitAlignment([same, same, same], { model: 'rigid' })).message).toMatch(/collinear/);
  });

  it('P3: auto falls back to the yaw fit for collinear anchors instead of refusing', () => {
    const line = [0, 1, 2].map((t) => at([1 + t, 1, -2 - t]));
    expect(fitAlignment(line).model).toBe('yaw');
  });

  it('P3: fewer than three anchors for the rigid fit', () => {
    const two = [at([0, 0, 0]), at([2, 1, 0])];
    expect(refusal(() => fitAlignment(two, { model: 'rigid' })).message).toMatch(/needs 3 anchors, got 2/);
  });

  it('P3: an undetermined yaw (one anchor, orientations ignored)', () => {
    expect(refusal(() => fitAlignment([at([1, 2, 3])], { model: 'yaw', orientationLeverM: 0 })).message).toMatch(/yaw is undetermined/);
  });

  it('P3: non-finite poses, zero quaternions, bad weights and options', () => {
    const good = at([1, 2, 3]);
    const nan = { ...good, observed: { ...good.observed, p: [Number.NaN, 0, 0] as [number, number, number] } };
    expect(refusal(() => fitAlignment([nan])).message).toMatch(/finite/);
    const zeroQ = { ...good, space: { ...good.space, q: [0, 0, 0, 0] as [number, number, number, number] } };
    expect(refusal(() => fitAlignment([zeroQ])).message).toMatch(/not a rotation/);
    for (const weight of [0, -1, Number.POSITIVE_INFINITY, Number.NaN]) {
      expect(refusal(() => fitAlignment([{ ...good, weight }])).message).toMatch(/weight/);
    }
    expect(refusal(() => fitAlignment([null as unknown as AnchorCorrespondence])).message).toMatch(/poses/);
    expect(refusal(() => fitAlignment([good], { orientationLeverM: -1 })).message).toMatch(/orientationLeverM/);
    expect(refusal(() => fitAlignment([good], { model: 'affine' as 'yaw' })).message).toMatch(/unknown alignment model/);
  });

  it('P3: the estimator keeps nothing invalid, and keeps what its model cannot fit yet', () => {
    const est = createAlignmentEstimator({ model: 'rigid' });
    const good = at([1, 2, 3]);
    refusal(() => est.observe('a', { ...good, weight: 0 }));
    refusal(() => est.observe('', good));
    expect(est.observations).toHaveLength(0);
    expect(refusal(() => est.observe('a', good)).message).toMatch(/needs 3 anchors, got 1/);
    expect(refusal(() => est.observe('b', at([3, 0, 0]))).message).toMatch(/needs 3 anchors, got 2/);
    expect(est.current).toBeNull();
    expect(est.observe('c', at([0, 2, -3])).model).toBe('rigid');
    expect(est.observations.map((o) => o.anchorId)).toEqual(['a', 'b', 'c']);
  });
});
