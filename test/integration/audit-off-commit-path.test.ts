/**
 * L4, "without slowing the commit path": a node whose Store never answers an audit insert still commits,
 * acks and fans out every push (the audit log only queues), the pushes are in Postgres, and the node's
 * shutdown is not held hostage by the hung insert (the audit log gives up after its close bound and
 * counts what it could not write). Real Postgres, real sockets, the server in this process so the Store
 * can be wrapped.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { PROTOCOL_VERSION, type ClientSocket } from '@cairn/shared';
import { buildServer, createMemoryBus, createPgStore, createTokenVerifier, issueToken, type CairnServer, type Store } from '@cairn/server';
import { connectRaw } from '../support/raw-client.js';
import { dropSchema, PG_URL, uniqueSchema } from '../contract/store-pg-schema.js';
import { mapUpdate } from '../support/yjs-updates.js';

const SECRET = 'audit-hang-test-secret-0123456789abcdef';
const schema = uniqueSchema('audit_hang');
let pgStore: Store;
let server: CairnServer;
let url: string;
let auditCalls = 0;

beforeAll(async () => {
  pgStore = createPgStore({ connectionString: PG_URL, schema, poolSize: 4 });
  await pgStore.migrate();
  const hanging: Store = { ...pgStore, kind: pgStore.kind, appendAudit: () => (auditCalls++, new Promise<void>(() => {})) };
  const verifier = createTokenVerifier({ secret: SECRET });
  server = await buildServer({
    store: hanging, bus: createMemoryBus(), verify: (t) => verifier.verify(t),
    // Flush often, so the hung insert is in flight while the pushes below commit.
    audit: { flushMs: 20, closeTimeoutMs: 300 },
  });
  url = (await server.listen({ port: 0 })).replace(/^http/, 'ws');
});

afterAll(async () => {
  await pgStore.close();
  await dropSchema(schema);
});

describe('L4: audit off the commit path', () => {
  it('L4/A1: with every audit insert hanging, 200 pushes are committed, acked and fanned out; shutdown still completes', async () => {
    const token = await issueToken({ secret: SECRET, tenant: 'acme', subject: 'writer', spaces: { site: 'rw' } });
    const connect = () => connectRaw((u) => new WebSocket(`${url}${u}`) as unknown as ClientSocket, '/v1/sync');
    const reader = await connect();
    reader.send({ type: 'hello', protocolVersion: PROTOCOL_VERSION, clientId: 'reader-000000001', token });
    await reader.next('welcome');
    reader.send({ type: 'sub', doc: 'site/plan', stateVector: new Uint8Array([0]) });
    await reader.next('sync');
    const writer = await connect();
    writer.send({ type: 'hello', protocolVersion: PROTOCOL_VERSION, clientId: 'writer-000000001', token });
    await writer.next('welcome');
    // The connects above were queued and a flush has started and hung.
    await new Promise((r) => setTimeout(r, 100));
    expect(auditCalls).toBe(1);

    for (let seq = 1; seq <= 200; seq++) writer.send({ type: 'push', doc: 'site/plan', seq, update: mapUpdate(`k${seq}`, seq) });
    await writer.next('ack', (a) => a.seq === 200, 15_000);
    await reader.next('update', (u) => u.version === 200, 15_000);
    expect(await pgStore.headVersion('acme', 'site/plan')).toBe(200);
    // The audit rows wait in the queue (coalesced: one write row), not in the commit path.
    expect(server.node.audit.queued).toBeGreaterThanOrEqual(1);
    expect(auditCalls).toBe(1);

    writer.close();
    reader.close();
    const started = performance.now();
    await server.close({ seams: false });
    expect(performance.now() - started).toBeLessThan(5_000);
    const metrics = await server.metrics.registry.getSingleMetricAsString('cairn_audit_events_dropped_total');
    expect(metrics).toMatch(/reason="shutdown"} [1-9]/);
  });
});
