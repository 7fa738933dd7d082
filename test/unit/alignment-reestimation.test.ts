/**
 * P3: the estimator re-fits as anchors are seen: a re-observation replaces the earlier one, the estimate
 * gets better as anchors are added, and the set stays bounded.
 */
import { describe, expect, it } from 'vitest';
import { createAlignmentEstimator, fitAlignment } from '@cairn/shared';
import { prng } from '../support/prng.js';
import { NO_NOISE, SEED, observe, randomTruth, scene, transformError } from '../support/alignment-scene.js';

const NOISE = { m: 0.005, deg: 0.3 };

describe(`alignment re-estimation (SEED=${SEED})`, () => {
  it('P3: the mean error falls as anchors are added (1 → 3 → 10)', () => {
    const r = prng(SEED);
    const trials = 200;
    const sums = new Map<number, { m: number; deg: number }>([[1, { m: 0, deg: 0 }], [3, { m: 0, deg: 0 }], [10, { m: 0, deg: 0 }]]);
    for (let t = 0; t < trials; t++) {
      const truth = randomTruth(r, 'yaw');
      const cs = scene(r, truth, 10, NOISE);
      const est = createAlignmentEstimator();
      cs.forEach((c, i) => {
        const fit = est.observe(`anchor-${i}`, c);
        const sum = sums.get(i + 1);
        if (!sum) return;
        // Judged over all ten anchors: what the device would render, seen or not yet.
        const err = transformError(fit.transform, truth, cs);
        sum.m += err.m / trials;
        sum.deg += err.deg / trials;
      });
    }
    const [one, three, ten] = [sums.get(1)!, sums.get(3)!, sums.get(10)!];
    expect(three.m).toBeLessThan(one.m);
    expect(ten.m).toBeLessThan(three.m);
    expect(three.deg).toBeLessThan(one.deg);
    expect(ten.deg).toBeLessThan(three.deg);
  });

  it('P3: a re-observation of an anchor replaces its earlier one', () => {
    const r = prng(SEED + 1);
    const truth = randomTruth(r, 'rigid');
    const cs = scene(r, truth, 3, NO_NOISE);
    const est = createAlignmentEstimator();
    est.observe('a', cs[0]!);
    est.observe('b', cs[1]!);
    // A bad first sighting of c (30 cm off), then a good one: nothing of the bad one remains.
    const off = { ...cs[2]!, observed: { ...cs[2]!.observed, p: [cs[2]!.observed.p[0] + 0.3, cs[2]!.observed.p[1], cs[2]!.observed.p[2]] as [number, number, number] } };
    // The fit spreads the 30 cm over the three anchors: how much shows as residual depends on the scene's
    // geometry (down to 1.9 cm over seeds 1-3000; 5 cm failed on a CI seed). Noise-free, anything above 1 cm
    // is the bad sighting; the good one must bring it to ~0.
    expect(est.observe('c', off).residual.rmsM).toBeGreaterThan(0.01);
    const fit = est.observe('c', cs[2]!);
    expect(est.observations.map((o) => o.anchorId)).toEqual(['a', 'b', 'c']);
    expect(fit.anchors).toBe(3);
    expect(fit.residual.rmsM).toBeLessThan(1e-9);
    expect(transformError(fit.transform, truth, cs).m).toBeLessThan(1e-9);
    expect(est.current).toBe(fit);
  });

  it('P3: forget re-fits without the anchor; clear and an empty estimator have no estimate', () => {
    const r = prng(SEED + 2);
    const truth = randomTruth(r, 'rigid');
    const cs = scene(r, truth, 3, NO_NOISE);
    const est = createAlignmentEstimator();
    cs.forEach((c, i) => est.observe(String(i), c));
    expect(est.current?.model).toBe('rigid');
    expect(est.forget('2')?.model).toBe('yaw');
    expect(est.forget('1')?.anchors).toBe(1);
    expect(est.forget('0')).toBeNull();
    expect(est.current).toBeNull();
    est.observe('x', cs[0]!);
    est.clear();
    expect(est.current).toBeNull();
    expect(est.observations).toEqual([]);
  });

  it('P3: beyond maxObservations the least recently observed anchor is dropped; initial observations seed the fit', () => {
    const r = prng(SEED + 3);
    const truth = randomTruth(r, 'yaw');
    const cs = scene(r, truth, 5, NOISE);
    const est = createAlignmentEstimator({ maxObservations: 3 });
    cs.slice(0, 3).forEach((c, i) => est.observe(`a${i}`, c));
    est.observe('a0', cs[0]!); // seen again: now the most recent
    est.observe('a3', cs[3]!);
    expect(est.observations.map((o) => o.anchorId)).toEqual(['a2', 'a0', 'a3']);
    const again = createAlignmentEstimator({ initial: est.observations });
    expect(again.current).toEqual(fitAlignment(est.observations));
    expect(again.current).toEqual(est.current);
  });

  it('P3: observations from a moved tracking origin show up in the residual', () => {
    // What an app sees when it keeps old sightings after its XR session restarted: a large residual.
    const r = prng(SEED + 4);
    const truth = randomTruth(r, 'yaw');
    const moved = randomTruth(r, 'yaw');
    const cs = scene(r, truth, 4, NOISE);
    const est = createAlignmentEstimator();
    cs.slice(0, 3).forEach((c, i) => est.observe(String(i), c));
    expect(est.current!.residual.rmsM).toBeLessThan(0.01);
    const stale = { space: cs[3]!.space, observed: observe(r, moved, cs[3]!.space, NOISE) };
    expect(est.observe('3', stale).residual.rmsM).toBeGreaterThan(0.05);
  });
});
