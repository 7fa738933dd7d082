/**
 * ⑥ What the server's answers to pushes do to the outbox, and the only ways a row ever leaves it (O2):
 * `ack {seq}` deletes every row ≤ seq; `reject {seq, code}` with a code that will never succeed moves that
 * row to the dead letters (O7) and tells the app; a retryable reject changes nothing: the server closes the
 * socket and the row goes out again after the reconnect.
 */
import { isRetryable, type ErrorCode, type RejectFrame } from '@cairn/shared';
import type { Replica } from '../replica/replica.js';

/** The payload of the client's `rejected` event: a push moved to the dead letters, or a refused sub. */
export interface Rejection {
  /** The push's seq, or null for a refused subscription. */
  seq: number | null;
  doc: string | null;
  code: ErrorCode;
  message: string;
}

export interface SettleOptions {
  replica: Pick<Replica, 'ack' | 'deadLetter'>;
  now(): number;
  onRejected(rejection: Rejection): void;
  /** The outbox changed (rows left it). */
  onChanged(): void;
}

export interface Settle {
  ack(seq: number, generation: number): Promise<void>;
  reject(frame: RejectFrame & { seq: number }, generation: number): Promise<void>;
}

export function createSettle(o: SettleOptions): Settle {
  return {
    async ack(seq, generation) {
      await o.replica.ack(seq, generation);
      o.onChanged();
    },
    async reject(frame, generation) {
      if (isRetryable(frame.code)) return;
      const letter = await o.replica.deadLetter(frame.seq, frame.code, frame.message, o.now(), generation);
      // null: another tab's connection already moved it (and told its app), or the row was acked.
      if (!letter) return;
      o.onRejected({ seq: letter.seq, doc: letter.doc, code: letter.code, message: letter.message });
      o.onChanged();
    },
  };
}
