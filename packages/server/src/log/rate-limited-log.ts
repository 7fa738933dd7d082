/**
 * A Logger that lets at most `perWindow` lines of one kind through per window (default 10 per minute)
 * and then says once how many it held back. The kind is the message plus an optional key (a code, an
 * address): an attacker who makes the node refuse 30,000 frames must not make it write 30,000 lines, while
 * the first lines of every new kind of trouble still appear at once.
 */
import type { Logger } from './logger.js';

type Level = keyof Logger;

export interface RateLimitedLog extends Logger {
  /** Logs under the kind `msg` + `key` (e.g. an error code or an address), rate-limited per kind. */
  limited(level: Level, key: string, obj: object, msg: string): void;
}

export function createRateLimitedLog(
  inner: Logger,
  opts: { perWindow?: number; windowMs?: number; now?: () => number; maxKinds?: number } = {},
): RateLimitedLog {
  const perWindow = opts.perWindow ?? 10;
  const windowMs = opts.windowMs ?? 60_000;
  const now = opts.now ?? Date.now;
  const maxKinds = opts.maxKinds ?? 1000;
  const kinds = new Map<string, { start: number; count: number; held: number }>();

  function limited(level: Level, key: string, obj: object, msg: string): void {
    const kind = `${level}\u0000${msg}\u0000${key}`;
    const t = now();
    let k = kinds.get(kind);
    if (!k || t - k.start >= windowMs) {
      if (k && k.held > 0) inner[level]({ ...obj, suppressed: k.held, windowMs }, `${msg} (repeated lines held back)`);
      if (!k && kinds.size >= maxKinds) kinds.delete(kinds.keys().next().value!);
      k = { start: t, count: 0, held: 0 };
      kinds.set(kind, k);
    }
    if (k.count < perWindow) {
      k.count++;
      inner[level](obj, msg);
    } else {
      k.held++;
    }
  }

  return {
    limited,
    info: (obj, msg) => limited('info', '', obj, msg),
    warn: (obj, msg) => limited('warn', '', obj, msg),
    error: (obj, msg) => limited('error', '', obj, msg),
  };
}
