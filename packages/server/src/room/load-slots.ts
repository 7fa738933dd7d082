/**
 * A budget of room loads (S7): at most `max` run at once, at most `maxWaiting` wait for a turn (FIFO), and
 * a waiter whose signal aborts leaves the line without ever running. The node holds one (a fraction of the
 * Postgres pool, so loads cannot take the connections commits need) and every native socket holds one of
 * its own (so one socket cannot take the node's). Past `maxWaiting`, take() refuses with OVERLOADED.
 */
import { CairnError } from '@cairn/shared';

export interface LoadSlots {
  /** Resolves with the function that gives the slot back (idempotent), once one is free. */
  take(signal?: AbortSignal): Promise<() => void>;
  readonly running: number;
  readonly waiting: number;
}

type Waiter = (leave: () => void) => void;

export function createLoadSlots(max: number, maxWaiting = Number.POSITIVE_INFINITY): LoadSlots {
  if (!(max >= 1)) throw new CairnError('BAD_REQUEST', `a load budget needs at least one slot, not ${max}`);
  let running = 0;
  const line = new Set<Waiter>(); // insertion-ordered: the first is the longest waiting

  function slot(): () => void {
    running++;
    let given = false;
    return () => {
      if (given) return;
      given = true;
      running--;
      const next = line.values().next().value;
      if (next) {
        line.delete(next);
        next(slot());
      }
    };
  }

  return {
    take(signal) {
      if (signal?.aborted) return Promise.reject(signal.reason);
      if (running < max && line.size === 0) return Promise.resolve(slot());
      if (line.size >= maxWaiting) return Promise.reject(new CairnError('OVERLOADED', 'too many docs are loading'));
      return new Promise((resolve, reject) => {
        const onAbort = () => {
          line.delete(waiter);
          reject(signal!.reason);
        };
        const waiter: Waiter = (leave) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(leave);
        };
        line.add(waiter);
        signal?.addEventListener('abort', onAbort, { once: true });
      });
    },
    get running() {
      return running;
    },
    get waiting() {
      return line.size;
    },
  };
}
