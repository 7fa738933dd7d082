/**
 * C5, M1: who may write new structs of a Yjs client in a doc. Yjs names every struct (clientID, clock) and
 * skips a struct whose clock its client's state already passed. A writer who puts structs under another
 * user's clientID at clocks that user has not written yet makes that user's real edits at those clocks
 * vanish: stored and acked, never shown by the doc, while the user's own replica shows them. So each Yjs
 * clientID of a doc belongs to the subject (CommitRequest `actor`) that first wrote structs with it there,
 * and a push whose structs take NEW clocks of a client another subject owns is refused. Structs at clocks
 * the doc already holds change nothing (Yjs skips them) and deleting anyone's items is a normal edit, so
 * neither needs the owner.
 *
 * Durable, the same on every node, derived from the log alone: applying a row in version order, every
 * client whose state it advanced and that has no owner yet becomes the row's actor's (`applyOwned`). Rows
 * come with their actor from the Store and the bus; a snapshot carries the map as of its version, since the
 * rows before it are not replayed. A snapshot from before owners were kept has none: its clients are
 * unowned and the first writer after the upgrade claims each one.
 *
 * In flight: between validation and the room applying the committed row, a write holds a claim on the
 * clients it writes first, so a second subject's push with the same new clientID on this node is refused
 * while the first one commits:
 *
 *   claim ──► committed ──► the room applies the row ──► durable owner; the claim goes
 *         └─► not stored (failed, duplicate) ──► released if the doc holds nothing of that client,
 *                                                 else kept (the failed commit may have been stored)
 *
 * Two nodes taking the same new clientID for two subjects at once can both commit; the durable owner is
 * then the first row's actor on every node, and the clientID was not yet in any doc for an attacker to
 * copy (docs/DECISIONS.md).
 */
import * as Y from 'yjs';
import { CairnError } from '@cairn/shared';
import type { YClientOwners as Owners } from '../store/store.js';

export interface YClientOwners {
  /** Durable owners (derived from applied rows), what a snapshot stores. */
  readonly durable: Owners;
  /** False if `claim` would throw now. */
  allows(subject: string, writes: ReadonlyMap<number, number>): boolean;
  /**
   * Throws INVALID_UPDATE if a client whose new clocks `writes` takes (client → end clock of its structs)
   * is owned or claimed by another subject; else claims the unowned ones. Call `settle` exactly once when
   * the write is over: `true` if the Store newly committed it.
   */
  claim(subject: string, writes: ReadonlyMap<number, number>): { settle(committed: boolean): void };
  /** Applies a row and records `actor` as the owner of each client it advanced that had none. */
  apply(doc: Y.Doc, update: Uint8Array, origin: unknown, actor: string | undefined): void;
  /** Replaces the durable owners (a load or rebuild derived them again); claims stay. */
  reset(durable: Owners): void;
}

/**
 * Applies `update` in one transaction and gives the clients whose state it advanced to `actor` when they
 * have no owner yet. Yjs computes both state vectors of every transaction anyway; this only compares them.
 */
export function applyOwned(doc: Y.Doc, update: Uint8Array, origin: unknown, actor: string | undefined, owners: Map<number, string>): number[] {
  let tr: Y.Transaction | null = null;
  // local = false, as Y.applyUpdate's own transaction, so the apply behaves exactly as before.
  Y.transact(doc, (t) => {
    tr = t;
    Y.applyUpdate(doc, update, origin);
  }, origin, false);
  const { beforeState, afterState } = tr as unknown as Y.Transaction;
  const advanced: number[] = [];
  for (const [client, clock] of afterState) {
    if (clock <= (beforeState.get(client) ?? 0)) continue;
    advanced.push(client);
    if (actor !== undefined && !owners.has(client)) owners.set(client, actor);
  }
  return advanced;
}

/** The clients whose structs in the update reach past the doc's state: the new clocks it takes. */
export function newClocks(doc: Y.Doc, writes: ReadonlyMap<number, number>): number[] {
  const out: number[] = [];
  for (const [client, end] of writes) if (end > Y.getState(doc.store, client)) out.push(client);
  return out;
}

export function createYClientOwners(opts: { doc: () => Y.Doc }): YClientOwners {
  let durable = new Map<number, string>();
  /** In-flight claims; `writes` counts the writes holding one (a claim at 0 waits for its row). */
  const claims = new Map<number, { subject: string; writes: number }>();

  /** The first of the clients that another subject owns or claims, if any. */
  function taken(subject: string, fresh: readonly number[]): number | undefined {
    return fresh.find((client) => {
      const owner = durable.get(client) ?? claims.get(client)?.subject;
      return owner !== undefined && owner !== subject;
    });
  }

  return {
    get durable() {
      return durable;
    },
    allows(subject, writes) {
      return taken(subject, newClocks(opts.doc(), writes)) === undefined;
    },
    claim(subject, writes) {
      const doc = opts.doc();
      const fresh = newClocks(doc, writes);
      const client = taken(subject, fresh);
      if (client !== undefined) throw new CairnError('INVALID_UPDATE', `its structs use Yjs client ${client}, which another principal writes in this doc`);
      const held = fresh.filter((c) => !durable.has(c));
      for (const client of held) {
        const c = claims.get(client);
        if (c) c.writes++;
        else claims.set(client, { subject, writes: 1 });
      }
      let settled = false;
      return {
        settle(committed) {
          if (settled) return;
          settled = true;
          const now = opts.doc();
          for (const client of held) {
            const c = claims.get(client);
            if (!c || --c.writes > 0) continue;
            // Committed: kept until the room applies the row (it may wait behind a version gap).
            if (durable.has(client) || (!committed && Y.getState(now.store, client) === 0)) claims.delete(client);
          }
        },
      };
    },
    apply(doc, update, origin, actor) {
      for (const client of applyOwned(doc, update, origin, actor, durable)) {
        if (claims.get(client)?.writes === 0) claims.delete(client);
      }
    },
    reset(next) {
      durable = new Map(next);
      for (const [client, c] of claims) if (c.writes === 0 && durable.has(client)) claims.delete(client);
    },
  };
}
