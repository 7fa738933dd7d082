/**
 * A Cairn client in Node as the integration tests run one against a server process: `ws` sockets, a
 * fake-indexeddb replica (a fresh one unless the test hands in its own, to reopen it), no tabs and no
 * network events.
 */
import WebSocket from 'ws';
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { createCairnClient, type CairnClient } from '@cairn/client';
import type { ClientSocket } from '@cairn/shared';

/** `ca`: the certificate authority a `wss://` server's certificate is verified against (test-certificates.ts). */
export function nodeClient(server: { wsUrl: string }, token: string, opts: { indexedDB?: IDBFactory; dbName?: string; ca?: string } = {}): CairnClient {
  return createCairnClient({
    url: `${server.wsUrl}/v1/sync`,
    token,
    indexedDB: opts.indexedDB ?? new IDBFactory(),
    IDBKeyRange,
    ...(opts.dbName !== undefined ? { dbName: opts.dbName } : {}),
    socket: (url) => new WebSocket(url, opts.ca !== undefined ? { ca: opts.ca } : {}) as unknown as ClientSocket,
    broadcastChannel: null,
    networkEvents: null,
  });
}
