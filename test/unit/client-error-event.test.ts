/**
 * S4 on the client: whatever fails inside it, the app's `error` handler gets a CairnError with a catalog
 * code (client-api.ts). Errors Cairn raises itself keep their code; a foreign one (a `token` function that
 * throws, a socket factory that throws) arrives as INTERNAL with the original as `cause`, and the client
 * goes on retrying. The event's static type is checked in client-error-event.test-d.ts.
 */
import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { ErrorCodes, isCairnError, type CairnClient, type CairnError } from '@cairn/client';
import { createFakeServer } from './support/fake-server.js';
import { clientOn, until } from './support/client-harness.js';

const clients: CairnClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.destroy()));
});

function collectErrors(client: CairnClient): unknown[] {
  const errors: unknown[] = [];
  client.on('error', (err) => errors.push(err));
  return errors;
}

describe('the client error event carries a CairnError', () => {
  it('S4: a token function that throws reaches `error` as INTERNAL with the thrown error as cause; the retry connects', async () => {
    const server = createFakeServer();
    const thrown = new TypeError('token endpoint returned HTML');
    let calls = 0;
    const client = clientOn(server, {
      persistence: 'memory',
      backoff: { baseMs: 1, capMs: 2 },
      token: () => {
        if (++calls === 1) throw thrown;
        return 'ok';
      },
    });
    clients.push(client);
    const errors = collectErrors(client);

    await client.whenSynced();
    expect(errors).toHaveLength(1);
    const err = errors[0];
    expect(isCairnError(err)).toBe(true);
    const coded = err as CairnError;
    expect(coded.code).toBe('INTERNAL');
    expect(coded.retryable).toBe(ErrorCodes.INTERNAL.retryable);
    expect(coded.cause).toBe(thrown);
    expect(coded.message).toBe(`${ErrorCodes.INTERNAL.message}: TypeError: token endpoint returned HTML`);
    expect(calls).toBe(2);
  });

  it('S4: a socket factory that throws a non-Error reaches `error` as INTERNAL, its value kept as cause', async () => {
    const server = createFakeServer();
    let calls = 0;
    const client = clientOn(server, {
      persistence: 'memory',
      backoff: { baseMs: 1, capMs: 2 },
      socket: (url) => {
        if (++calls === 1) throw 'sockets are not allowed here'; // not an Error: some libraries throw strings
        return server.connect(url);
      },
    });
    clients.push(client);
    const errors = collectErrors(client);

    await client.whenSynced();
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ name: 'CairnError', code: 'INTERNAL', cause: 'sockets are not allowed here' });
    expect(isCairnError(errors[0])).toBe(true);
  });

  it('C3: an update from the server that does not apply keeps its own code, INVALID_UPDATE, and the doc keeps working', async () => {
    const server = createFakeServer();
    const client = clientOn(server, { persistence: 'memory' });
    clients.push(client);
    const errors = collectErrors(client);
    const doc = await client.open('s/notes');
    await client.whenSynced();

    // A truncated update: Yjs throws while decoding it, inside the client's remote applier.
    const other = new Y.Doc();
    other.getMap('m').set('k', 'v');
    const full = Y.encodeStateAsUpdate(other);
    server.live()[0]!.send({ type: 'update', doc: 's/notes', version: 1, update: full.subarray(0, full.length - 3) });
    await until(() => errors.length === 1, 'the error event');
    expect(isCairnError(errors[0])).toBe(true);
    expect((errors[0] as CairnError).code).toBe('INVALID_UPDATE');
    expect((errors[0] as CairnError).cause).toBeInstanceOf(Error); // what Yjs threw

    doc.getMap('m').set('after', 1);
    await client.whenSynced();
    expect(server.doc('s/notes').getMap('m').get('after')).toBe(1);
  });
});
