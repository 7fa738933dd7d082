/**
 * C5: a clientId belongs to one principal. Dedup is on (tenant, clientId, seq) (C1), so a principal who
 * could say hello with another's clientId could pre-claim that replica's next seqs: its pushes would be
 * acked as duplicates and never stored. The first hello that claims an id binds it to its principal
 * (tenant + token subject) in the Store, durably and for every node; a hello from anyone else is refused.
 *
 * In dev mode every socket is the one `anonymous` principal, so binding cannot tell users apart there: it
 * only keeps the `/y` ids out of reach. A read-only principal binds nothing (see claim).
 *
 * A binding never changes once made, so confirmed answers (either way) are cached in a bounded LRU: a
 * reconnect costs no query. Two nodes cache the same answer because the Store gives them the same owner.
 */
import type { Store } from '../store/store.js';
import type { Principal } from './principal.js';

/**
 * The prefix of the ids the `/y` endpoint makes for its sockets (y-websocket-session.ts). No hello may claim
 * one: the `/y` session does not claim its ids in the Store, it relies on them being fresh and unguessable.
 */
export const SERVER_CLIENT_ID_PREFIX = 'yws-';

const DEFAULT_MAX_CACHED = 10_000;

export interface ClientBinding {
  /**
   * True if the clientId is the principal's (now, or since an earlier claim); false if another principal
   * holds it or it is reserved for the server. Throws the Store's CairnError (STORE_UNAVAILABLE) if the
   * claim could not be made.
   */
  claim(principal: Principal, clientId: string): Promise<boolean>;
}

export function createClientBinding(opts: { store: Pick<Store, 'claimClient'>; maxCached?: number }): ClientBinding {
  const maxCached = opts.maxCached ?? DEFAULT_MAX_CACHED;
  /** JSON [tenant, clientId] → owner subject; insertion order is recency, the first key the coldest. */
  const owners = new Map<string, string>();

  function remember(key: string, owner: string): void {
    owners.delete(key);
    owners.set(key, owner);
    if (owners.size > maxCached) owners.delete(owners.keys().next().value!);
  }

  return {
    async claim(principal, clientId) {
      if (clientId.startsWith(SERVER_CLIENT_ID_PREFIX)) return false;
      // A principal that may write nowhere has every push refused, so its id needs no protection; binding
      // it anyway let a read-only token add a row per reconnect with a fresh id, without end.
      if (!Object.values(principal.spaces).includes('rw')) return true;
      const key = JSON.stringify([principal.tenant, clientId]);
      const owner = owners.get(key) ?? (await opts.store.claimClient(principal.tenant, clientId, principal.subject));
      remember(key, owner);
      return owner === principal.subject;
    },
  };
}
