/**
 * The seeded PRNG of the Store suites (mulberry32). Each suite prints its seed; `SEED=<n>` reproduces a run.
 */
export interface SeededRandom {
  readonly seed: number;
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [min, max]. */
  int(min: number, max: number): number;
  bytes(length: number): Uint8Array;
}

export function seededRandom(label: string): SeededRandom {
  const seed = process.env.SEED ? Number(process.env.SEED) >>> 0 : Math.floor(Math.random() * 2 ** 32);
  console.info(`${label}: SEED=${seed}`);
  let state = seed;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
  return {
    seed,
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    bytes(length) {
      const out = new Uint8Array(length);
      for (let i = 0; i < length; i++) out[i] = Math.floor(next() * 256);
      return out;
    },
  };
}
