/**
 * A1: the acks of one native session. Pushes are tracked in arrival order; `ack {seq}` goes out for the
 * longest prefix that is settled, coalesced to one ack per turn (a commit batch settles in one turn).
 *
 *   track(seq) ──► pending ──commit resolved──► committed ─┐
 *                     │                                     ├─► flush(): shift the settled prefix, ack its
 *                     ├──refused for good──► rejected ──────┘   last committed seq
 *                     └──refused, retryable──► failed: holds the prefix back, so no ack ever passes it
 *
 * A rejected push has its own `reject {seq}` and needs no ack; a failed one stays un-acked, and the client
 * resends it (and everything after it) on its next session.
 */
export type Outcome = 'committed' | 'rejected' | 'failed';

interface Entry {
  seq: number;
  at: number;
  state: 'pending' | Outcome;
}

export interface AckLedger {
  /** A push entered the commit path; call the returned function once with its outcome. */
  track(seq: number): (outcome: Outcome) => void;
  /** True while some push is still in the commit path. */
  readonly pending: boolean;
  /** Acks the settled prefix now. */
  flush(): void;
  /** Acks the settled prefix at the end of this turn (once, however many pushes settle in it). */
  flushSoon(): void;
}

export function createAckLedger(o: {
  ack(seq: number): void;
  /** Seconds from a push's arrival to its ack. */
  acked(seconds: number): void;
  /** A push settled (the session decides whether to flush soon or to finish draining). */
  settled(): void;
}): AckLedger {
  const entries: Entry[] = [];
  let scheduled = false;

  function flush(): void {
    scheduled = false;
    let upTo = -1;
    const now = performance.now();
    while (entries.length > 0) {
      const e = entries[0]!;
      if (e.state === 'pending' || e.state === 'failed') break;
      entries.shift();
      if (e.state === 'rejected') continue;
      upTo = e.seq;
      o.acked((now - e.at) / 1000);
    }
    if (upTo >= 0) o.ack(upTo);
  }

  return {
    track(seq) {
      const e: Entry = { seq, at: performance.now(), state: 'pending' };
      entries.push(e);
      return (outcome) => {
        e.state = outcome;
        o.settled();
      };
    },
    get pending() {
      return entries.some((e) => e.state === 'pending');
    },
    flush,
    flushSoon() {
      if (scheduled) return;
      scheduled = true;
      queueMicrotask(flush);
    },
  };
}
