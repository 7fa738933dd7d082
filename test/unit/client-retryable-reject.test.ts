import { afterEach, describe, expect, it } from 'vitest';
import type { CairnClient, Rejection } from '@cairn/client';
import { closeCodeFor } from '@cairn/shared';
import { createFakeServer } from './support/fake-server.js';
import { clientOn, until } from './support/client-harness.js';

const DOC = 'space-a/notes';
const clients: CairnClient[] = [];
const track = (c: CairnClient) => (clients.push(c), c);
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.destroy()));
});

describe('a retryable rejection keeps the push in the outbox', () => {
  it.each(['STORE_UNAVAILABLE', 'OVERLOADED', 'SHUTTING_DOWN', 'RATE_LIMITED'] as const)(
    'O7: %s keeps the row; it is resent after the server closes and acked on the new session',
    async (code) => {
      let refusals = 1;
      const server = createFakeServer({ push: () => (refusals-- > 0 ? { reject: code } : 'ack') });
      const client = track(clientOn(server, { backoff: { baseMs: 1, capMs: 1 } }));
      const rejected: Rejection[] = [];
      client.on('rejected', (r) => rejected.push(r));
      const doc = await client.open(DOC);
      doc.getMap('m').set('k', 1);

      await until(() => server.sessions[0]?.closed !== null && server.sessions[0]?.closed !== undefined, 'the server closed');
      expect(server.sessions[0]!.closed!.code).toBe(closeCodeFor(code));
      await until(() => client.status.state === 'synced', 'reconnected and synced');
      expect(server.sessions[1]!.frames.filter((f) => f.type === 'push').map((f) => (f as { seq: number }).seq)).toEqual([1]);
      expect(await client.deadLetters.list()).toEqual([]);
      expect(rejected).toEqual([]);
      expect(server.doc(DOC).getMap('m').toJSON()).toEqual({ k: 1 });
    },
  );
});
