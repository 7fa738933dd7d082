/**
 * P3: the least-squares alignment recovers a device's tracking frame. Random true transforms (yaw-only for
 * the gravity-aligned model, any rotation for the rigid one), anchors spread through a room, observations
 * with bounded noise (5 mm, 0.3°): estimates land within 1 cm / 0.5° at the anchors, noiseless input is
 * recovered to 1e-9, and the reported residual has the scale of the injected noise.
 */
import { describe, expect, it } from 'vitest';
import { composePose, fitAlignment, quatAngleDeg, type AlignmentModel } from '@cairn/shared';
import { prng } from '../support/prng.js';
import { NO_NOISE, SEED, randomTruth, scene, transformError } from '../support/alignment-scene.js';

const TRIALS = 200;
const NOISE = { m: 0.005, deg: 0.3 };

const cases: { anchors: number; model: AlignmentModel }[] = [
  { anchors: 1, model: 'yaw' },
  { anchors: 2, model: 'yaw' },
  { anchors: 3, model: 'yaw' },
  { anchors: 3, model: 'rigid' },
  { anchors: 10, model: 'yaw' },
  { anchors: 10, model: 'rigid' },
];

describe(`alignment fit accuracy (SEED=${SEED})`, () => {
  for (const { anchors, model } of cases) {
    it(`P3: ${model} fit from ${anchors} noiseless anchor(s) recovers the transform to 1e-9`, () => {
      const r = prng(SEED);
      for (let t = 0; t < TRIALS; t++) {
        const truth = randomTruth(r, model);
        const cs = scene(r, truth, anchors, NO_NOISE);
        const fit = fitAlignment(cs, { model });
        expect(fit.model).toBe(model);
        expect(fit.anchors).toBe(anchors);
        for (let k = 0; k < 3; k++) expect(Math.abs(fit.transform.p[k]! - truth.p[k]!)).toBeLessThan(1e-9);
        // q and -q are one rotation.
        const sign = Math.sign(fit.transform.q.reduce((sum, v, i) => sum + v * truth.q[i]!, 0)) || 1;
        for (let k = 0; k < 4; k++) expect(Math.abs(fit.transform.q[k]! - sign * truth.q[k]!)).toBeLessThan(1e-9);
        expect(fit.residual.rmsM).toBeLessThan(1e-9);
        expect(fit.residual.maxDeg).toBeLessThan(1e-6);
      }
    });

    it(`P3: ${model} fit from ${anchors} anchor(s) with 5 mm / 0.3° noise is within 1 cm / 0.5° of the truth`, () => {
      const r = prng(SEED + anchors);
      let worst = { m: 0, deg: 0 };
      for (let t = 0; t < TRIALS; t++) {
        const truth = randomTruth(r, model);
        const cs = scene(r, truth, anchors, NOISE);
        const err = transformError(fitAlignment(cs, { model }).transform, truth, cs);
        worst = { m: Math.max(worst.m, err.m), deg: Math.max(worst.deg, err.deg) };
      }
      expect(worst.m).toBeLessThan(0.01);
      expect(worst.deg).toBeLessThan(0.5);
    });
  }

  it('P3: the reported residual has the scale of the injected noise (10 anchors)', () => {
    const r = prng(SEED + 100);
    for (const model of ['yaw', 'rigid'] as const) {
      for (let t = 0; t < TRIALS / 4; t++) {
        const truth = randomTruth(r, model);
        for (const scale of [1, 4]) {
          const noise = { m: NOISE.m * scale, deg: NOISE.deg * scale };
          const { residual } = fitAlignment(scene(r, truth, 10, noise), { model });
          // Each observation is off by exactly noise.m; the fit absorbs a few of the 30 coordinates.
          expect(residual.rmsM).toBeGreaterThan(0.5 * noise.m);
          expect(residual.rmsM).toBeLessThan(1.1 * noise.m);
          expect(residual.maxDeg).toBeGreaterThan(0.5 * noise.deg);
          expect(residual.maxDeg).toBeLessThan(2 * noise.deg);
        }
      }
    }
  });

  it('P3: auto takes the rigid fit from three spread anchors and the yaw fit below that', () => {
    const r = prng(SEED + 200);
    const truth = randomTruth(r, 'rigid');
    const cs = scene(r, truth, 3, NO_NOISE);
    expect(fitAlignment(cs.slice(0, 1)).model).toBe('yaw');
    expect(fitAlignment(cs.slice(0, 2)).model).toBe('yaw');
    expect(fitAlignment(cs).model).toBe('rigid');
    expect(fitAlignment(cs).residual.rmsM).toBeLessThan(1e-9);
  });

  it('P3: the fitted transform maps each observed anchor onto its space pose (its meaning: space-from-tracking)', () => {
    const r = prng(SEED + 300);
    const truth = randomTruth(r, 'rigid');
    const cs = scene(r, truth, 4, NO_NOISE);
    const { transform } = fitAlignment(cs);
    for (const c of cs) {
      const mapped = composePose(transform, c.observed);
      for (let k = 0; k < 3; k++) expect(Math.abs(mapped.p[k]! - c.space.p[k]!)).toBeLessThan(1e-9);
      expect(quatAngleDeg(mapped.q, c.space.q)).toBeLessThan(1e-6);
    }
  });

  it('P3: a low weight keeps an outlier from pulling the fit', () => {
    const r = prng(SEED + 400);
    const truth = randomTruth(r, 'yaw');
    const cs = scene(r, truth, 6, NO_NOISE);
    const bad = { ...cs[0]!, observed: { ...cs[0]!.observed, p: [cs[0]!.observed.p[0] + 0.5, cs[0]!.observed.p[1], cs[0]!.observed.p[2]] as [number, number, number] } };
    const even = transformError(fitAlignment([bad, ...cs.slice(1)], { model: 'yaw' }).transform, truth, cs);
    const weighted = transformError(fitAlignment([{ ...bad, weight: 0.001 }, ...cs.slice(1)], { model: 'yaw' }).transform, truth, cs);
    expect(even.m).toBeGreaterThan(0.05);
    expect(weighted.m).toBeLessThan(even.m / 50);
  });
});
