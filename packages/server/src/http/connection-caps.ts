/**
 * Caps on open sockets (S7), checked at the upgrade before the handshake: in total and per remote address,
 * so one host cannot take every socket (each costs a session, buffers and a heartbeat) and a flood of them
 * is refused with 503 TOO_MANY_CONNECTIONS before it costs more than the HTTP request. Behind a reverse
 * proxy every socket comes from the proxy's address: raise the per-address cap to the total there.
 */
export interface ConnectionCaps {
  /** Counts a socket in and returns its release (idempotent), or null if a cap is reached. */
  admit(address: string): (() => void) | null;
  readonly total: number;
}

export function createConnectionCaps(opts: { maxTotal: number; maxPerAddress: number }): ConnectionCaps {
  let total = 0;
  const perAddress = new Map<string, number>();
  return {
    admit(address) {
      const mine = perAddress.get(address) ?? 0;
      if (total >= opts.maxTotal || mine >= opts.maxPerAddress) return null;
      total++;
      perAddress.set(address, mine + 1);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        total--;
        const left = (perAddress.get(address) ?? 1) - 1;
        if (left === 0) perAddress.delete(address);
        else perAddress.set(address, left);
      };
    },
    get total() {
      return total;
    },
  };
}
