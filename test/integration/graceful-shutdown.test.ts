/**
 * SIGTERM: the node stops accepting, finishes in-flight commits, sends their acks, then closes. Every
 * acked push is in Postgres; nothing un-acked was claimed durable.
 */
import { afterAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { PROTOCOL_VERSION, closeCodeFor, type ClientSocket } from '@cairn/shared';
import { createPgStore, issueToken } from '@cairn/server';
import { connectRaw } from '../support/raw-client.js';
import { isolatedEnv, PG_URL, SECRET, startServer } from '../support/server-process.js';
import { mapUpdate } from '../support/yjs-updates.js';

const iso = isolatedEnv('it_shutdown');
afterAll(() => iso.drop());

describe('graceful shutdown', () => {
  it('A1: SIGTERM with pushes in flight acks only what is committed, refuses the rest as retryable, and exits 0', async () => {
    const server = await startServer(iso.env);
    const token = await issueToken({ secret: SECRET, tenant: 'acme', subject: 's', spaces: { '*': 'rw' } });
    const c = await connectRaw((u) => new WebSocket(`${server.wsUrl}${u}`) as unknown as ClientSocket, '/v1/sync');
    c.send({ type: 'hello', protocolVersion: PROTOCOL_VERSION, clientId: 'shutdown-00001', token });
    await c.next('welcome');
    let seq = 0;
    for (; seq < 500; ) c.send({ type: 'push', doc: 'site/stop', seq: ++seq, update: mapUpdate(`k${seq}`, seq) });
    await c.next('ack'); // commits are flowing
    // ~20 MB more right before the signal, so the node is still reading and committing when it gets it:
    // with nothing in flight it would finish and close before any later push could arrive to be refused.
    const big = 'x'.repeat(200_000);
    for (const end = seq + 100; seq < end; ) c.send({ type: 'push', doc: 'site/stop', seq: ++seq, update: mapUpdate(`k${seq}`, big) });
    const exiting = server.kill('SIGTERM');
    // Keep pushing while the node shuts down: these must be refused as retryable, never acked unstored.
    while (!c.isClosed() && seq < 20_000) {
      c.send({ type: 'push', doc: 'site/stop', seq: ++seq, update: mapUpdate(`k${seq}`, seq) });
      await new Promise((r) => setTimeout(r, 1));
    }
    const closed = await c.closed;
    expect((await exiting).code).toBe(0);
    const acked = Math.max(0, ...c.frames.filter((f) => f.type === 'ack').map((f) => (f as { seq: number }).seq));
    const store = createPgStore({ connectionString: PG_URL, schema: iso.schema });
    const stored = await store.headVersion('acme', 'site/stop');
    await store.close();
    console.log(`graceful shutdown: ${seq} sent, ${acked} acked, ${stored} stored, close ${closed.code}`);
    expect(acked).toBeGreaterThan(0);
    expect(stored).toBe(acked); // every ack is backed by a row, and every row was acked before the close (A1)
    expect(acked).toBeLessThan(seq); // pushes after SIGTERM were not taken
    expect(closed.code).toBe(closeCodeFor('SHUTTING_DOWN'));
    // Whether a push reaches the session between SIGTERM and its close depends on the two processes'
    // timing (a node that finishes its commits first closes before reading more): pushes it never read are
    // neither acked nor refused, and the client resends them. When some were refused, they were refused as
    // retryable, starting right after the last acked one. test/unit/shutdown-refuses-late-pushes.test.ts
    // forces that case deterministically.
    const rejects = c.frames.filter((f) => f.type === 'reject');
    for (const r of rejects) expect(r).toMatchObject({ code: 'SHUTTING_DOWN' });
    if (rejects.length > 0) expect(Math.min(...rejects.map((r) => (r as { seq: number }).seq))).toBe(acked + 1);
  });
});
