/**
 * S3 without punishing a joiner: the whole-doc `sync` answers are bulk the server itself decides to send,
 * so they wait for room in the socket's outbound buffer instead of counting against the reader. A client
 * that opens 60 cells of 0.5 MB each asks for 30 MB at once; sent at once, they filled the 8 MiB buffer and
 * the next frame closed the socket as a SLOW_CONSUMER, and the reconnect asked for the same 30 MB again,
 * forever.
 *
 *   answer(fn) ──buffer ≤ lowWater──► fn() now: it sends one sync frame, sent(bytes) notes it
 *        │
 *        └──buffer above──► queued ──poll every few ms──► buffer ≤ lowWater ──► fn()
 *
 * `backlog()` is what the slow-consumer check measures: the buffered bytes minus the last sync frame, until
 * the buffer has drained below the low-water mark again (the frame is then on its way). A reader that does
 * not read still fills the buffer with live updates and is closed; one that reads gets every sync in turn.
 */
export interface SyncPacer {
  /** Runs `fn` (which sends a sync) once the outbound buffer has room; in call order. */
  answer(fn: () => void): void;
  /** `fn` sent a sync frame of this size. */
  sent(bytes: number): void;
  /** Buffered bytes that count against the reader (see the header). */
  backlog(): number;
  close(): void;
}

export function createSyncPacer(opts: { buffered: () => number; lowWater: number; pollMs?: number }): SyncPacer {
  const { buffered, lowWater } = opts;
  const pollMs = opts.pollMs ?? 5;
  const queue: Array<() => void> = [];
  let bulk = 0;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let closed = false;

  function pump(): void {
    timer = null;
    while (!closed && queue.length > 0 && buffered() <= lowWater) queue.shift()!();
    if (!closed && queue.length > 0) timer = setTimeout(pump, pollMs);
  }

  return {
    answer(fn) {
      if (closed) return;
      queue.push(fn);
      if (!timer) pump();
    },
    sent(bytes) {
      bulk = bytes;
    },
    backlog() {
      const b = buffered();
      if (b <= lowWater) bulk = 0;
      return Math.max(0, b - bulk);
    },
    close() {
      closed = true;
      queue.length = 0;
      if (timer) clearTimeout(timer);
      timer = null;
    },
  };
}
