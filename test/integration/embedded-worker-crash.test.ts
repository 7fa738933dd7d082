/**
 * A1 on the embedded store when its worker thread dies mid-commit. Writers that behave like the client's
 * outbox (resend everything un-acked, in seq order, after every close) push through a node on the PGlite
 * store while the test terminates the worker thread under them, twice, with commits in flight. The store
 * fails what was pending as retryable and starts a new worker on the same folder.
 *
 * Afterwards: every reject the writers saw was retryable, every acked push is a row and no push is stored
 * twice (acked ⊆ stored, C1), each doc's versions are 1..n (C2), and a store opened afresh on the folder after
 * close finds all of it.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ErrorCodes, PROTOCOL_VERSION, type Frame } from '@cairn/shared';
import { createPgliteStore, type PgliteStore, type Store } from '@cairn/server';
import { connectRaw } from '../support/raw-client.js';
import { memoryNode } from '../support/memory-node.js';
import { mapOf, mapUpdate } from '../support/yjs-updates.js';
import { until } from '../support/until.js';

const WRITERS = 4;
const WINDOW = 8;
const DOCS = ['a/crash-0', 'a/crash-1'];
const dataDir = await mkdtemp(join(tmpdir(), 'cairn-worker-crash-'));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Writer {
  id: string;
  doc: string;
  last: number;
  acked: number;
  pending: { seq: number; update: Uint8Array }[];
  rejects: string[];
}

/** Every key the log of these docs sets, and how many rows each doc has; checks C2 on the way. */
async function stored(store: Store): Promise<{ keys: Set<string>; rows: number }> {
  const keys = new Set<string>();
  let rows = 0;
  for (const doc of DOCS) {
    const log = await store.loadUpdates('t1', doc, 0);
    expect(log.map((r) => r.version)).toEqual(log.map((_, i) => i + 1));
    rows += log.length;
    for (const k of Object.keys(mapOf(...log.map((r) => r.update)))) keys.add(k);
  }
  return { keys, rows };
}

describe('embedded store: the worker thread dies mid-commit', () => {
  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('A1: nothing is acked that was not committed; retryable rejects; resent pushes are stored once; all of it survives a reopen', async () => {
    const embedded: PgliteStore = await createPgliteStore({ dataDir, restartDelayMs: 100 });
    await embedded.migrate();
    // The kill lands while a commit batch is in flight: its message is with the worker, its answer is not back.
    let kill: { afterMs: number; done: () => void } | null = null;
    const store: Store = {
      ...embedded,
      commitBatch(requests) {
        const answer = embedded.commitBatch(requests);
        const k = kill;
        if (k && embedded.worker) {
          kill = null;
          const worker = embedded.worker;
          setTimeout(() => void worker.terminate().then(k.done), k.afterMs);
        }
        return answer;
      },
    };
    const { node, net } = memoryNode({ store });
    let producing = true;
    const writers: Writer[] = Array.from({ length: WRITERS }, (_, i) => ({ id: `crash-writer-${i}`, doc: DOCS[i % DOCS.length]!, last: 0, acked: 0, pending: [], rejects: [] }));

    // One outbox-like writer: connect, resend what is un-acked, keep WINDOW in flight, reconnect on close.
    async function run(w: Writer): Promise<void> {
      while (producing || w.pending.length > 0) {
        const c = await connectRaw(net.connect);
        c.send({ type: 'hello', protocolVersion: PROTOCOL_VERSION, clientId: w.id, token: 'writer' });
        await c.next('welcome');
        const send = (p: { seq: number; update: Uint8Array }) => c.send({ type: 'push', doc: w.doc, seq: p.seq, update: p.update });
        w.pending.forEach(send);
        let seen = 0;
        for (;;) {
          while (producing && w.pending.length < WINDOW) {
            const seq = ++w.last;
            const p = { seq, update: mapUpdate(`${w.id}:${seq}`, seq) };
            w.pending.push(p);
            send(p);
          }
          for (; seen < c.frames.length; seen++) {
            const f: Frame = c.frames[seen]!;
            if (f.type === 'ack') {
              w.acked = Math.max(w.acked, f.seq);
              w.pending = w.pending.filter((p) => p.seq > w.acked);
            } else if (f.type === 'reject') w.rejects.push(f.code);
          }
          if (c.isClosed() || (!producing && w.pending.length === 0)) break;
          await sleep(5);
        }
        c.close();
        if (producing || w.pending.length > 0) await sleep(50);
      }
    }

    const running = writers.map(run);
    const ackedTotal = () => writers.reduce((a, w) => a + w.acked, 0);
    // Two kills: one as the batch reaches the worker, one a few ms into its commit.
    for (const [round, afterMs] of [[1, 0], [2, 3]] as const) {
      await until(() => ackedTotal() >= round * 150, `${round * 150} acks`, 30_000);
      await new Promise<void>((done) => (kill = { afterMs, done }));
      // Down: every call fails at once, retryable, so /readyz reports not ready.
      await expect(store.ping()).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE', retryable: true });
      await until(() => store.ping().then(() => true, () => false), 'the store to start a new worker', 30_000);
    }
    await until(() => ackedTotal() >= 450, 'acks after the second restart', 30_000);
    producing = false;
    await Promise.all(running);

    const expected = new Set(writers.flatMap((w) => Array.from({ length: w.acked }, (_, i) => `${w.id}:${i + 1}`)));
    const now = await stored(store);
    expect(now.keys).toEqual(expected);
    expect(now.rows).toBe(expected.size);

    const rejects = writers.flatMap((w) => w.rejects);
    expect(rejects.length).toBeGreaterThan(0);
    for (const code of rejects) expect(ErrorCodes[code as keyof typeof ErrorCodes]?.retryable, code).toBe(true);

    await node.shutdown();
    await embedded.close();
    const reopened = await createPgliteStore({ dataDir });
    try {
      const after = await stored(reopened);
      expect(after.keys).toEqual(expected);
      expect(after.rows).toBe(expected.size);
    } finally {
      await reopened.close();
    }
  }, 120_000);
});
