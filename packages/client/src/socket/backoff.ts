/**
 * Reconnect delays (O4): exponential backoff with full jitter (AWS architecture blog, "Exponential Backoff
 * and Jitter"): attempt n waits a uniformly random time in [0, min(cap, base · 2ⁿ)). Full jitter spreads a
 * crowd of clients that lost one server evenly instead of letting them return in waves.
 */
export interface BackoffOptions {
  baseMs: number;
  capMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 250, capMs: 30_000 };

/** The delay before reconnect attempt `attempt` (0 = the first retry after a drop). */
export function backoffDelay(attempt: number, random: () => number, o: BackoffOptions = DEFAULT_BACKOFF): number {
  const ceiling = Math.min(o.capMs, o.baseMs * 2 ** Math.min(attempt, 32));
  return Math.floor(random() * ceiling);
}
