/**
 * The status the app observes (O4): where the connection is, how many local updates await their ack, and
 * whether the replica persists. `syncing` and `synced` both mean "open"; synced means every open doc got
 * its sync and nothing is pending, which is also when whenSynced() resolves.
 */
import type { Phase } from './connection.js';

export const ConnectionState = {
  offline: 'offline',
  connecting: 'connecting',
  syncing: 'syncing',
  synced: 'synced',
} as const;
export type ConnectionState = (typeof ConnectionState)[keyof typeof ConnectionState];

export interface Status {
  state: ConnectionState;
  /** Local updates not yet acknowledged by the server (outbox rows + writes in progress). */
  pending: number;
  /** False once the replica lives in memory only (O6). */
  persisting: boolean;
}

export interface StatusInputs {
  phase: Phase;
  /** Every open doc got its sync on the current session. */
  settled: boolean;
  pending: number;
  persisting: boolean;
}

export interface StatusTracker {
  readonly current: Status;
  update(patch: Partial<StatusInputs>): void;
  whenSynced(): Promise<void>;
  /** Rejects every whenSynced() waiting now (fatal error, destroy). */
  fail(err: unknown): void;
}

function derive(i: StatusInputs): Status {
  const state = i.phase === 'open' ? (i.settled && i.pending === 0 ? 'synced' : 'syncing') : i.phase;
  return { state, pending: i.pending, persisting: i.persisting };
}

export function createStatusTracker(initial: StatusInputs, onChange: (status: Status) => void): StatusTracker {
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
      if (next.state === current.state && next.pending === current.pending && next.persisting === current.persisting) return;
      current = next;
      if (next.state === 'synced') {
        const done = waiters;
        waiters = [];
        for (const w of done) w.resolve();
      }
      onChange(next);
    },
    whenSynced() {
      if (current.state === 'synced') return Promise.resolve();
      return new Promise<void>((resolve, reject) => waiters.push({ resolve, reject }));
    },
    fail(err) {
      const failed = waiters;
      waiters = [];
      for (const w of failed) w.reject(err);
    },
  };
}
