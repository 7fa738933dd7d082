/** The anchor the person is working on, shared by the plan, the panel and the list. */
export interface Selection {
  readonly id: string | null;
  set(id: string | null): void;
  on(fn: (id: string | null) => void): void;
}

export function createSelection(): Selection {
  let id: string | null = null;
  const listeners: ((id: string | null) => void)[] = [];
  return {
    get id() {
      return id;
    },
    set(next) {
      if (next === id) return;
      id = next;
      for (const fn of listeners) fn(id);
    },
    on(fn) {
      listeners.push(fn);
    },
  };
}
