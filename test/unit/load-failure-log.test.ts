/**
 * S7: what sockets can make a node log is rate-limited. Room loads failing for 200 docs (a dead
 * database, or an attacker's subs against it) write a bounded number of lines, not one each, and every
 * sub still gets its STORE_UNAVAILABLE.
 */
import { describe, expect, it } from 'vitest';
import { PROTOCOL_VERSION } from '@cairn/shared';
import { connectRaw } from '../support/raw-client.js';
import { memoryNode } from '../support/memory-node.js';
import { loadCountingStore } from '../support/load-counting-store.js';

describe('load failure log', () => {
  it('S7: 200 failed room loads write at most 10 log lines; each sub is refused with STORE_UNAVAILABLE', async () => {
    const loads = loadCountingStore();
    const lines: string[] = [];
    const log = { info: () => {}, warn: (_o: object, m: string) => lines.push(m), error: (_o: object, m: string) => lines.push(m) };
    const { net } = memoryNode({ store: loads.store, log, limits: { maxDocsPerSocket: 256 } });
    const c = await connectRaw(net.connect);
    c.send({ type: 'hello', protocolVersion: PROTOCOL_VERSION, clientId: 'log-flood-0001', token: 'reader' });
    await c.next('welcome');
    loads.fail(true);
    for (let i = 0; i < 200; i++) c.send({ type: 'sub', doc: `a/dead-${i}`, stateVector: new Uint8Array([0]) });
    for (let i = 0; i < 200; i++) expect(await c.next('reject', (f) => f.doc === `a/dead-${i}`)).toMatchObject({ code: 'STORE_UNAVAILABLE' });
    expect(loads.docs).toHaveLength(200);
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.length).toBeLessThanOrEqual(10);
  });
});
