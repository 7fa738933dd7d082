/**
 * Keeps pushes under the server's rate (S7 on the server: a socket past maxPushesPerSecond is closed with
 * RATE_LIMITED, and everything in flight is sent again after the reconnect). A token bucket of one
 * second's worth at the stated rate: the server's bucket holds two seconds' worth, so jitter that bunches
 * pushes on the way never empties it. A rate of 0 (not stated) does not pace.
 */
import type { Timers } from './timers.js';

export interface PushPacer {
  /** Resolves when one more push may go out now. */
  take(): Promise<void>;
}

export function createPushPacer(rate: number, timers: Timers, now: () => number = () => performance.now()): PushPacer {
  let tokens = rate;
  let last = now();
  return {
    async take() {
      if (rate <= 0) return;
      for (;;) {
        const t = now();
        tokens = Math.min(rate, tokens + ((t - last) * rate) / 1000);
        last = t;
        if (tokens >= 1) {
          tokens -= 1;
          return;
        }
        const waitMs = Math.ceil(((1 - tokens) * 1000) / rate);
        await new Promise<void>((resolve) => timers.setTimeout(resolve, waitMs));
      }
    },
  };
}
