/**
 * S7: a read-only socket that subscribes and unsubscribes thousands of cold docs as fast as it can (and
 * reconnects whenever it is cut off) must not take the node from everyone else. Against a real server
 * process on Postgres (pool of 10): a writer pushing meanwhile never gets STORE_UNAVAILABLE, /healthz
 * answers throughout, the churner is refused with RATE_LIMITED, the server writes a bounded number of log
 * lines and its RSS stays bounded. Before the sub rate limit and the load budgets, 21k-36k pairs in 5 s
 * exhausted the pool (54-95 STORE_UNAVAILABLE for writers), wrote ~30,000 error lines and held 600-866 MB.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { PROTOCOL_VERSION, type ClientSocket, type Frame } from '@cairn/shared';
import { issueToken } from '@cairn/server';
import { connectRaw, type RawClient } from '../support/raw-client.js';
import { isolatedEnv, SECRET, startServer, type ServerProcess } from '../support/server-process.js';
import { rssOf } from '../support/raw-upgrade.js';
import { mapUpdate } from '../support/yjs-updates.js';

const iso = isolatedEnv('it_sub_churn');
const CHURN_MS = 5_000;
/** Generous for a shared machine, far below the 600-866 MB this churn held before. */
const MAX_GROWTH = 250 * 1024 * 1024;
/** Lines the server may write during the run: a few kinds of trouble, each rate-limited. */
const MAX_LOG_LINES = 200;

let server: ServerProcess;
let reader: string;
let writer: string;

const connect = () => connectRaw((u) => new WebSocket(`${server.wsUrl}${u}`) as unknown as ClientSocket, '/v1/sync');

async function hello(token: string, clientId: string): Promise<RawClient> {
  const c = await connect();
  c.send({ type: 'hello', protocolVersion: PROTOCOL_VERSION, clientId, token });
  await c.next('welcome');
  return c;
}

const tick = () => new Promise((r) => setImmediate(r));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  reader = await issueToken({ secret: SECRET, tenant: 'acme', subject: 'churner', spaces: { '*': 'r' } });
  writer = await issueToken({ secret: SECRET, tenant: 'acme', subject: 'writer', spaces: { '*': 'rw' } });
  server = await startServer(iso.env);
}, 60_000);

afterAll(async () => {
  await server?.kill('SIGKILL');
  await iso.drop();
});

describe('sub/unsub churn', () => {
  it('S7: a churning reader gets RATE_LIMITED; a writer meanwhile gets no STORE_UNAVAILABLE; /healthz answers; log and RSS stay bounded', async () => {
    const pid = server.child.pid!;
    const rssBefore = rssOf(pid);
    const logBefore = server.output().split('\n').filter(Boolean).length;
    let peak = rssBefore;
    const sampler = setInterval(() => (peak = Math.max(peak, rssOf(pid))), 50);
    const end = Date.now() + CHURN_MS;

    // The churner: cold docs, never the same twice; reconnects whenever the node closes it.
    const churnCodes = new Map<string, number>();
    let pairs = 0;
    let connections = 0;
    const churner = (async () => {
      while (Date.now() < end) {
        const c = await hello(reader, `churner-${connections++}`);
        while (!c.isClosed() && Date.now() < end) {
          for (let i = 0; i < 200; i++, pairs++) {
            const doc = `site/churn-${pairs}`;
            c.send({ type: 'sub', doc, stateVector: new Uint8Array([0]) });
            c.send({ type: 'unsub', doc });
          }
          await tick();
        }
        for (const f of c.frames) if (f.type === 'reject') churnCodes.set(f.code, (churnCodes.get(f.code) ?? 0) + 1);
        c.close();
      }
    })();

    // The writer: one push at a time, each waited for; reconnects (same clientId, same seq) if closed.
    const writerCodes = new Map<string, number>();
    let acked = 0;
    const writing = (async () => {
      let seq = 0;
      let c = await hello(writer, 'churn-writer-01');
      while (Date.now() < end) {
        seq++;
        const settled = (f: Frame) => (f.type === 'ack' && f.seq >= seq) || (f.type === 'reject' && f.seq === seq);
        for (;;) {
          const seen = c.frames.length;
          c.send({ type: 'push', doc: 'site/writer', seq, update: mapUpdate(`k${seq}`, seq) });
          while (!c.isClosed() && !c.frames.slice(seen).some(settled)) await sleep(5);
          const answer = c.frames.slice(seen).find(settled);
          if (answer?.type === 'reject') writerCodes.set(answer.code, (writerCodes.get(answer.code) ?? 0) + 1);
          if (answer?.type === 'ack') break;
          if (answer && !c.isClosed()) break; // refused for good: next seq
          c = await hello(writer, 'churn-writer-01');
        }
        acked++;
        await sleep(10);
      }
      c.close();
    })();

    // /healthz throughout: every probe must answer 200 (its latency is printed, not asserted).
    let probes = 0;
    let healthy = 0;
    let slowest = 0;
    const probing = (async () => {
      while (Date.now() < end) {
        const t = performance.now();
        const res = await fetch(`${server.url}/healthz`);
        slowest = Math.max(slowest, performance.now() - t);
        probes++;
        if (res.status === 200) healthy++;
        await sleep(100);
      }
    })();

    try {
      await Promise.all([churner, writing, probing]);
    } finally {
      clearInterval(sampler);
    }
    const logLines = server.output().split('\n').filter(Boolean).length - logBefore;
    const growth = peak - rssBefore;
    console.log(
      `sub churn: ${pairs} pairs on ${connections} sockets in ${CHURN_MS} ms; churner rejects ${JSON.stringify(Object.fromEntries(churnCodes))}; ` +
        `writer ${acked} pushes, rejects ${JSON.stringify(Object.fromEntries(writerCodes))}; /healthz ${healthy}/${probes}, slowest ${slowest.toFixed(0)} ms; ` +
        `log +${logLines} lines; RSS +${(growth / 1024 / 1024).toFixed(1)} MB`,
    );
    expect(pairs).toBeGreaterThan(2_000);
    expect(writerCodes.get('STORE_UNAVAILABLE') ?? 0).toBe(0);
    expect(acked).toBeGreaterThan(0);
    expect(probes).toBeGreaterThan(0);
    expect(healthy).toBe(probes);
    expect(churnCodes.get('RATE_LIMITED') ?? 0).toBeGreaterThan(0);
    expect(logLines).toBeLessThanOrEqual(MAX_LOG_LINES);
    expect(growth).toBeLessThan(MAX_GROWTH);
  }, 60_000);
});
