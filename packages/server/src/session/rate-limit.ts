/** A token bucket: `rate` per second, bursts up to `burst` (S3 pushes per second per socket). */
export function createTokenBucket(rate: number, burst = rate * 2, now: () => number = () => performance.now()) {
  let tokens = burst;
  let last = now();
  return {
    take(): boolean {
      const t = now();
      tokens = Math.min(burst, tokens + ((t - last) * rate) / 1000);
      last = t;
      if (tokens < 1) return false;
      tokens -= 1;
      return true;
    },
  };
}
