/**
 * The status the app observes (O4): where the connection is, how many local updates await their ack, how
 * many sit in the dead letters (O7), and whether the replica persists. `syncing`, `synced` and
 * `undeliverable` all mean "open":
 *
 *   open ─┬─ a doc awaits its sync, or pending > 0 ──────────────► syncing
 *         ├─ else, dead letters > 0 ─────────────────────────────► undeliverable (whenSynced() rejects)
 *         └─ else ───────────────────────────────────────────────► synced (whenSynced() resolves)
 */
import type { Phase } from './connection.js';

export const ConnectionState = {
  offline: 'offline',
  connecting: 'connecting',
  syncing: 'syncing',
  synced: 'synced',
  /** Open and settled, nothing pending, but some local edits were refused for good (dead letters). */
  undeliverable: 'undeliverable',
} as const;
export type ConnectionState = (typeof ConnectionState)[keyof typeof ConnectionState];

export interface Status {
  state: ConnectionState;
  /** Local updates not yet acknowledged by the server (outbox rows + writes in progress). */
  pending: number;
  /** Local edits in the dead letters (O7): refused for good, kept until retried or discarded. */
  undeliverable: number;
  /** False once the replica lives in memory only (O6). */
  persisting: boolean;
}

export interface StatusInputs {
  phase: Phase;
  /** Every open doc got its sync on the current session. */
  settled: boolean;
  pending: number;
  undeliverable: number;
  persisting: boolean;
}

export interface StatusTracker {
  readonly current: Status;
  update(patch: Partial<StatusInputs>): void;
  /** Resolves at `synced`; rejects with `undeliverable()` at `undeliverable`. */
  whenSynced(): Promise<void>;
  /** Rejects every whenSynced() waiting now (fatal error, destroy). */
  fail(err: unknown): void;
}

function openState(i: StatusInputs): ConnectionState {
  if (!i.settled || i.pending > 0) return 'syncing';
  return i.undeliverable > 0 ? 'undeliverable' : 'synced';
}

function derive(i: StatusInputs): Status {
  const state = i.phase === 'open' ? openState(i) : i.phase;
  return { state, pending: i.pending, undeliverable: i.undeliverable, persisting: i.persisting };
}

const same = (a: Status, b: Status) =>
  a.state === b.state && a.pending === b.pending && a.undeliverable === b.undeliverable && a.persisting === b.persisting;

export function createStatusTracker(
  initial: StatusInputs,
  onChange: (status: Status) => void,
  /** The error whenSynced() rejects with while the state is `undeliverable`. */
  undeliverable: () => unknown,
): StatusTracker {
  const inputs = { ...initial };
  let current = derive(inputs);
  let waiters: { resolve(): void; reject(err: unknown): void }[] = [];
  return {
    get current() {
      return current;
    },
    update(patch) {
      Object.assign(inputs, patch);
      const next = derive(inputs);
      if (same(next, current)) return;
      current = next;
      if (next.state === 'synced' || next.state === 'undeliverable') {
        const done = waiters;
        waiters = [];
        const err = next.state === 'undeliverable' ? undeliverable() : null;
        for (const w of done) {
          if (err) w.reject(err);
          else w.resolve();
        }
      }
      onChange(next);
    },
    whenSynced() {
      if (current.state === 'synced') return Promise.resolve();
      if (current.state === 'undeliverable') return Promise.reject(undeliverable());
      return new Promise<void>((resolve, reject) => waiters.push({ resolve, reject }));
    },
    fail(err) {
      const failed = waiters;
      waiters = [];
      for (const w of failed) w.reject(err);
    },
  };
}
