/** A Store with only claimClient (what the clientId binding uses), over the memory Store, recording each call's clientId. */
import { createMemoryStore } from '@cairn/server';

export function countingClaims() {
  const store = createMemoryStore();
  const calls: string[] = [];
  return {
    calls,
    store: {
      claimClient(tenant: string, clientId: string, subject: string) {
        calls.push(clientId);
        return store.claimClient(tenant, clientId, subject);
      },
    },
  };
}
