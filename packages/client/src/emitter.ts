/**
 * A typed event emitter for the client's public events. A listener that throws does not stop the
 * client: its error is re-thrown on a microtask, where the host reports it like any uncaught error.
 */
export type Listener<T> = (value: T) => void;

export interface Emitter<Events extends object> {
  /** Adds a listener; returns a function that removes it. */
  on<K extends keyof Events>(event: K, fn: Listener<Events[K]>): () => void;
  off<K extends keyof Events>(event: K, fn: Listener<Events[K]>): void;
  emit<K extends keyof Events>(event: K, value: Events[K]): void;
  clear(): void;
}

export function createEmitter<Events extends object>(): Emitter<Events> {
  const listeners = new Map<keyof Events, Set<Listener<never>>>();
  const emitter: Emitter<Events> = {
    on(event, fn) {
      let set = listeners.get(event);
      if (!set) listeners.set(event, (set = new Set()));
      set.add(fn as Listener<never>);
      return () => emitter.off(event, fn);
    },
    off(event, fn) {
      listeners.get(event)?.delete(fn as Listener<never>);
    },
    emit(event, value) {
      for (const fn of [...(listeners.get(event) ?? [])]) {
        try {
          (fn as Listener<typeof value>)(value);
        } catch (err) {
          queueMicrotask(() => {
            throw err;
          });
        }
      }
    },
    clear: () => listeners.clear(),
  };
  return emitter;
}
