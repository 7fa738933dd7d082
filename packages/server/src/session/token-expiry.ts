/**
 * S8: a session lives no longer than the token it was opened with. The timer ends a quiet session at `exp`;
 * `expired()` is also asked for every frame, because a timer can fire late (a busy event loop, a suspended
 * VM) and a push that arrives after `exp` must never be committed, even in the gap before the timer runs.
 */
import type { Principal } from '../auth/principal.js';

/** setTimeout's largest delay (2^31 - 1 ms, ~24.8 days); a longer one fires at once, so it is chained. */
const MAX_DELAY_MS = 2 ** 31 - 1;

export interface TokenExpiry {
  /** True from `principal.expiresAt` on (never for a principal without one, as in dev mode). */
  expired(): boolean;
  /** Cancels the timer (the session closed). */
  stop(): void;
}

export function watchTokenExpiry(principal: Principal, onExpired: () => void, now: () => number = Date.now): TokenExpiry {
  if (principal.expiresAt === undefined) return { expired: () => false, stop: () => undefined };
  const at = principal.expiresAt;
  let timer: ReturnType<typeof setTimeout> | null = null;
  const expired = () => now() >= at;

  // Never calls onExpired synchronously: the session that creates the watch is not set up yet.
  function arm(): void {
    timer = setTimeout(fire, Math.max(0, Math.min(at - now(), MAX_DELAY_MS)));
    // A session's socket keeps the process alive, not its token timer.
    timer.unref();
  }

  function fire(): void {
    if (!expired()) return arm();
    timer = null;
    onExpired();
  }
  arm();

  return {
    expired,
    stop() {
      if (timer !== null) clearTimeout(timer);
      timer = null;
    },
  };
}
