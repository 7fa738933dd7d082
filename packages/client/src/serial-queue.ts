/**
 * Runs async tasks one at a time, in the order they were queued. Local writes, inbound frames and
 * compaction each own one: an ack must never overtake the reject of an earlier seq (it would delete a row
 * that is about to move to the dead-letter table), and seqs must follow edit order.
 */
export interface SerialQueue {
  /** Queues a task; its promise settles with the task's result. A failed task does not stop the queue. */
  run<T>(task: () => Promise<T>): Promise<T>;
  /** Resolves once every task queued so far has settled. */
  idle(): Promise<void>;
  /** Tasks queued or running. */
  readonly size: number;
}

export function createSerialQueue(): SerialQueue {
  let tail: Promise<void> = Promise.resolve();
  let size = 0;
  const settled = () => {
    size--;
  };
  return {
    run<T>(task: () => Promise<T>): Promise<T> {
      size++;
      const result = tail.then(task);
      tail = result.then(settled, settled);
      return result;
    },
    idle: () => tail,
    get size() {
      return size;
    },
  };
}
