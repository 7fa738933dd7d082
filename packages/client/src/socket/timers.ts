/**
 * The clock the connection schedules on. Injectable so that backoff and heartbeat tests run on virtual
 * time without faking the globals IndexedDB shims depend on.
 */
export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** The host's timers, looked up at call time (so test runners that patch the globals still work). */
export const systemTimers: Timers = {
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as Parameters<typeof globalThis.clearTimeout>[0]),
};
