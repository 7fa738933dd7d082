/**
 * S6: no frame can stop a node. Socket handlers run inside event emitters (ws 'message', 'close') and the
 * in-memory network's deliveries, where a throw is an uncaught exception and the process exits. Sessions
 * answer every EXPECTED problem with a coded reject; these guards catch the rest: the socket whose handler
 * threw is closed with INTERNAL (4019), the throw is counted and logged (rate-limited per kind, so a frame
 * that throws on every socket cannot flood the log), and the process and every other socket go on.
 */
import { closeCodeFor, type SessionHandle, type SessionSocket } from '@cairn/shared';
import type { RateLimitedLog } from '../log/rate-limited-log.js';

/** `fn` with every throw handed to `onThrow` instead of up the stack. */
export function guarded<A extends unknown[]>(fn: (...args: A) => void, onThrow: (err: unknown) => void): (...args: A) => void {
  return (...args) => {
    try {
      fn(...args);
    } catch (err) {
      onThrow(err);
    }
  };
}

export interface SocketGuardOptions {
  log: RateLimitedLog;
  /** Counts the throw (the rejected-frames metric under INTERNAL). */
  count(): void;
  endpoint: string;
}

/** A session handle whose `receive` and `closed` never throw; see the header. */
export function guardSession(session: SessionHandle, socket: SessionSocket, opts: SocketGuardOptions): SessionHandle {
  let broken = false;

  function report(err: unknown, where: string): void {
    opts.count();
    const kind = err instanceof Error ? err.name : typeof err;
    opts.log.limited('error', `${opts.endpoint} ${where} ${kind}`, { err, endpoint: opts.endpoint, where }, 'socket handler threw; socket closed');
  }

  return {
    receive: guarded(
      (data: Uint8Array) => {
        // Frames that were already in flight behind the one that threw: the session is in no state to take them.
        if (!broken) session.receive(data);
      },
      (err) => {
        broken = true;
        report(err, 'receive');
        // The socket's close event then reaches `closed`, and the session releases its rooms as on any close.
        guarded(() => socket.close(closeCodeFor('INTERNAL'), 'INTERNAL'), (closeErr) => report(closeErr, 'close'))();
      },
    ),
    closed: guarded((code: number, reason: string) => session.closed(code, reason), (err) => report(err, 'closed')),
  };
}
