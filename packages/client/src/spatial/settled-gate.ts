/**
 * Waits until the client holds what the server has or cannot get it: status `synced`, `undeliverable`
 * (synced but for dead letters) or `offline`. A space writes its meta defaults only then (meta-doc.ts says
 * why). Destroying the client opens the gate for every waiter, so no space close hangs on a connection
 * that is gone.
 */
import type { Status } from '../socket/status.js';

export interface SettledGate {
  wait(): Promise<void>;
  /** Resolves every waiter now and every later wait() at once. */
  open(): void;
}

export function createSettledGate(current: () => Status, onStatus: (fn: (s: Status) => void) => () => void): SettledGate {
  const waiters = new Set<() => void>();
  let forced = false;
  const done = (s: Status) => s.state === 'synced' || s.state === 'undeliverable' || s.state === 'offline';
  return {
    wait() {
      if (forced || done(current())) return Promise.resolve();
      return new Promise<void>((resolve) => {
        const finish = () => {
          off();
          waiters.delete(finish);
          resolve();
        };
        const off = onStatus((s) => {
          if (done(s)) finish();
        });
        waiters.add(finish);
      });
    },
    open() {
      forced = true;
      for (const finish of [...waiters]) finish();
    },
  };
}
