/**
 * The spaces a client has open, one instance per name: two instances of one space would each count
 * references to the same cell docs and close them under each other. Options apply when a space is
 * opened; asking again for an open space returns it as it is. A space reopened while its previous
 * instance is still closing waits for that close before it opens anything.
 */
import { spaceOf } from '@cairn/shared';
import { createSpace, type HeldSpace, type SpaceHost } from './space.js';
import type { Space, SpaceOptions } from './space-api.js';

export interface Spaces {
  space(name: string, opts?: SpaceOptions): Space;
  closeAll(): Promise<void>;
  /** L2: the server deleted the doc; the open space it belongs to drops it (space.ts docDeleted). */
  docDeleted(docId: string): void;
}

export function createSpaces(host: SpaceHost): Spaces {
  const open = new Map<string, HeldSpace>();
  const closing = new Map<string, Promise<void>>();

  return {
    space(name, opts = {}) {
      const existing = open.get(name);
      if (existing) return existing;
      const s: HeldSpace = createSpace(host, name, opts, {
        after: closing.get(name) ?? Promise.resolve(),
        onClose(done) {
          if (open.get(name) === s) open.delete(name);
          const settled = done.catch(() => undefined);
          closing.set(name, settled);
          void settled.then(() => {
            if (closing.get(name) === settled) closing.delete(name);
          });
        },
      });
      open.set(name, s);
      return s;
    },
    docDeleted(docId) {
      open.get(spaceOf(docId))?.docDeleted(docId);
    },
    async closeAll() {
      await Promise.all([...open.values()].map((s) => s.close()));
    },
  };
}
