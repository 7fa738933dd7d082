/**
 * A node's background job, one pass at a time (audit retention, compaction, the anchor purge, the doc purge):
 *
 * - `run(...)` starts a pass, or joins the one in flight: a second caller gets that pass's result, not a
 *   second pass;
 * - a timer runs one every `intervalMs` (0: no timer), and one at once if `atStart`; a timed pass that fails
 *   is logged once (`failure`) and the next one retries; `onTimed` sees a timed pass's result;
 * - `stop()` ends the timer, raises `stopped` (each pass checks it between its steps and returns what it
 *   did so far) and waits for the pass in flight.
 */
import type { Logger } from './log/logger.js';

export interface BackgroundPass<A extends unknown[], T> {
  run(...args: A): Promise<T>;
  readonly stopped: boolean;
  stop(): Promise<void>;
}

export interface BackgroundPassOptions<A extends unknown[], T> {
  /** One pass; the timer calls it with no arguments. */
  pass(...args: A | []): Promise<T>;
  intervalMs: number;
  atStart: boolean;
  /** The warn line of a timed pass that failed. */
  failure: string;
  log?: Pick<Logger, 'warn'> | undefined;
  onTimed?(result: T): void;
}

export function createBackgroundPass<A extends unknown[], T>(o: BackgroundPassOptions<A, T>): BackgroundPass<A, T> {
  let running: Promise<T> | null = null;
  let stopped = false;

  function start(args: A | []): Promise<T> {
    running ??= o.pass(...args).finally(() => {
      running = null;
    });
    return running;
  }

  function timed(): void {
    start([]).then(
      (result) => o.onTimed?.(result),
      (err: unknown) => o.log?.warn({ err: err instanceof Error ? err.message : String(err) }, o.failure),
    );
  }

  const timer = o.intervalMs > 0 ? setInterval(timed, o.intervalMs) : null;
  timer?.unref?.();
  // A microtask later, not now: the pass reads the returned handle's `stopped`, which does not exist yet.
  if (timer && o.atStart) queueMicrotask(timed);

  return {
    run: (...args) => start(args),
    get stopped() {
      return stopped;
    },
    async stop() {
      stopped = true;
      if (timer) clearInterval(timer);
      await running?.catch(() => undefined);
    },
  };
}
