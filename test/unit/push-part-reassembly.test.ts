/**
 * A3 on the server: push-part fragments are reassembled per socket with bounded memory and take the path
 * of a plain push (ack after commit, C1 on resend); what breaks the rules gets a coded reject for its seq
 * and stores nothing, and the session goes on.
 */
import { describe, expect, it } from 'vitest';
import { PROTOCOL_VERSION, closeCodeFor, type PushPartFrame } from '@cairn/shared';
import { createMemoryStore } from '@cairn/server';
import { connectRaw, type RawClient } from '../support/raw-client.js';
import { memoryNode } from '../support/memory-node.js';
import { mapOf, mapUpdate } from '../support/yjs-updates.js';

const DOC = 'a/doc';
const KIB = 1024;

async function hello(connect: Parameters<typeof connectRaw>[0], token = 'writer', clientId = 'client-0001'): Promise<RawClient> {
  const c = await connectRaw(connect);
  c.send({ type: 'hello', protocolVersion: PROTOCOL_VERSION, clientId, token });
  await c.next('welcome');
  return c;
}

async function setup(limits: Record<string, number> = {}, token = 'writer') {
  const store = createMemoryStore();
  const { net } = memoryNode({ store, limits: { maxPayload: 4 * KIB, maxUpdateBytes: 64 * KIB, ...limits } });
  return { store, net, c: await hello(net.connect, token) };
}

/** The update cut into parts of `size` bytes, as the client sends them. */
function parts(seq: number, update: Uint8Array, size: number, doc = DOC): PushPartFrame[] {
  const out: PushPartFrame[] = [];
  for (let offset = 0; offset < update.byteLength; offset += size) {
    out.push({ type: 'push-part', doc, seq, total: update.byteLength, offset, bytes: update.subarray(offset, offset + size) });
  }
  return out;
}

const bigUpdate = (bytes: number) => mapUpdate('big', 'x'.repeat(bytes));

async function stored(store: ReturnType<typeof createMemoryStore>): Promise<Uint8Array[]> {
  return (await store.loadUpdates('t1', DOC, 0)).map((r) => r.update);
}

async function pushPlain(c: RawClient, seq: number, key: string): Promise<void> {
  c.send({ type: 'push', doc: DOC, seq, update: mapUpdate(key, seq) });
  await c.next('ack', (a) => a.seq === seq);
}

describe('push-part reassembly', () => {
  it('A3: an update of 10x maxPayload in parts is committed whole and acked like a push; a resend is stored once (C1)', async () => {
    const { store, c } = await setup();
    const update = bigUpdate(40 * KIB);
    for (const p of parts(1, update, KIB)) c.send(p);
    expect(await c.next('ack')).toMatchObject({ seq: 1 });
    for (const p of parts(1, update, KIB)) c.send(p);
    expect(await c.next('ack')).toMatchObject({ seq: 1 });
    const rows = await stored(store);
    expect(rows).toHaveLength(1);
    expect(Buffer.from(rows[0]!).equals(Buffer.from(update))).toBe(true);
    expect(mapOf(...rows).big).toHaveLength(40 * KIB);
  });

  it('A3: an assembly whose total exceeds maxUpdateBytes is refused at its first part with UPDATE_TOO_LARGE; its other parts are dropped quietly', async () => {
    const { store, c } = await setup({ maxUpdateBytes: 16 * KIB });
    for (const p of parts(1, bigUpdate(20 * KIB), KIB)) c.send(p);
    await pushPlain(c, 2, 'after');
    const rejects = c.frames.filter((f) => f.type === 'reject');
    expect(rejects).toEqual([expect.objectContaining({ code: 'UPDATE_TOO_LARGE', seq: 1, doc: DOC })]);
    expect(mapOf(...(await stored(store)))).toEqual({ after: 2 });
  });

  it('A3: a part out of order (an offset gap) is refused with MALFORMED_FRAME for its seq; nothing is stored and the session goes on', async () => {
    const { store, c } = await setup();
    const [first, , third, ...rest] = parts(1, bigUpdate(8 * KIB), KIB);
    for (const p of [first!, third!, ...rest]) c.send(p);
    await pushPlain(c, 2, 'after');
    expect(c.frames.filter((f) => f.type === 'reject')).toEqual([expect.objectContaining({ code: 'MALFORMED_FRAME', seq: 1, doc: DOC })]);
    expect(mapOf(...(await stored(store)))).toEqual({ after: 2 });
  });

  it('A3: a first part that does not start at offset 0 is refused with MALFORMED_FRAME', async () => {
    const { store, c } = await setup();
    for (const p of parts(1, bigUpdate(8 * KIB), KIB).slice(1)) c.send(p);
    await pushPlain(c, 2, 'after');
    expect(c.frames.filter((f) => f.type === 'reject')).toEqual([expect.objectContaining({ code: 'MALFORMED_FRAME', seq: 1 })]);
    expect(mapOf(...(await stored(store)))).toEqual({ after: 2 });
  });

  it('A3: parts of another seq, or a plain push, in the middle of an assembly refuse the incomplete one (MALFORMED_FRAME)', async () => {
    const { store, c } = await setup();
    const one = parts(1, bigUpdate(8 * KIB), KIB);
    const two = parts(2, mapUpdate('two', 'y'.repeat(6 * KIB)), KIB);
    c.send(one[0]!);
    for (const p of two) c.send(p); // seq 1 is refused; seq 2 is judged on its own and completes
    expect(await c.next('ack')).toMatchObject({ seq: 2 });
    c.send(parts(3, bigUpdate(8 * KIB), KIB)[0]!);
    await pushPlain(c, 4, 'plain');
    const rejects = c.frames.filter((f) => f.type === 'reject');
    expect(rejects).toEqual([
      expect.objectContaining({ code: 'MALFORMED_FRAME', seq: 1 }),
      expect.objectContaining({ code: 'MALFORMED_FRAME', seq: 3 }),
    ]);
    expect(Object.keys(mapOf(...(await stored(store)))).sort()).toEqual(['plain', 'two']);
  });

  it('S1/A3: a read-only session is refused at the first part (READ_ONLY), before anything is buffered', async () => {
    const { store, c } = await setup({}, 'reader');
    for (const p of parts(1, bigUpdate(8 * KIB), KIB)) c.send(p);
    expect(await c.next('reject')).toMatchObject({ code: 'READ_ONLY', seq: 1 });
    c.send({ type: 'ping', id: 7 });
    await c.next('pong');
    expect(c.frames.filter((f) => f.type === 'reject')).toHaveLength(1);
    expect(await stored(store)).toEqual([]);
  });

  it('S7/A3: what all sockets hold in incomplete assemblies is bounded per node: past the budget OVERLOADED (retryable, drain and close), and a closed socket gives its share back', async () => {
    const { store, net, c: a } = await setup({ maxUpdateBytes: 16 * KIB, maxAssemblyBytesPerNode: 20 * KIB });
    const b = await hello(net.connect, 'writer', 'client-0002');
    const update = bigUpdate(12 * KIB);
    for (const p of parts(1, update, KIB).slice(0, -1)) a.send(p); // holds 12 KiB of the 20 KiB budget, never finished
    a.send({ type: 'ping', id: 1 });
    await a.next('pong');
    for (const p of parts(1, update, KIB)) b.send(p);
    expect(await b.next('reject')).toMatchObject({ code: 'OVERLOADED', seq: 1 });
    expect((await b.closed).code).toBe(closeCodeFor('OVERLOADED'));

    a.close();
    await a.closed;
    const c = await hello(net.connect, 'writer', 'client-0003');
    for (const p of parts(1, update, KIB)) c.send(p);
    expect(await c.next('ack')).toMatchObject({ seq: 1 });
    expect(await stored(store)).toHaveLength(1);
  });
});
