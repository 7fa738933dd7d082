/**
 * A1/M1 under faults, end to end: writers that behave like the real client's outbox (resend everything
 * un-acked after every reconnect, in seq order) push through two server processes while the test kills a
 * node with -9 and starts a new one, kills and restarts Redis, and terminates the nodes' Postgres backends.
 * Afterwards every acked (clientId, seq) must be a row in Postgres (acked ⊆ stored, each stored once), and
 * every node must serve the state a doc rebuilt from those rows has.
 *
 * Redis here is a private redis-server on a port of its own (the machine's shared one is never touched),
 * and the nodes' Postgres connections carry an application_name of their own, so the backends this test
 * terminates are only its nodes'.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createConnection } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import * as Y from 'yjs';
import pg from 'pg';
import { PROTOCOL_VERSION, decodeFrame, encodeFrame, toBytes, type Frame } from '@cairn/shared';
import { issueToken } from '@cairn/server';
import { prng } from '../support/prng.js';
import { freePort, isolatedEnv, PG_URL, SECRET, startServer, type ServerProcess } from '../support/server-process.js';
import { mapUpdate } from '../support/yjs-updates.js';
import { until } from '../support/until.js';

const SEED = Number(process.env.SEED ?? Date.now() % 1_000_000);
const WRITERS = 4;
/** Pushes each writer makes at most; the test stops them earlier, once the faults are over. */
const PER_WRITER = 5000;
const DOCS = ['site/fault-0', 'site/fault-1', 'site/fault-2'];
const WINDOW = 12;

const iso = isolatedEnv('it_faults');
const appName = iso.schema;
let redisPort: number;
let redis: ChildProcess | null = null;
/** Set once the faults are over: writers push nothing new and finish when all they pushed is acked. */
let producing = true;
const nodes: ServerProcess[] = [];
const rand = prng(SEED);

function startRedis(): Promise<ChildProcess> {
  const child = spawn('redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    const deadline = Date.now() + 10_000;
    const poll = () => {
      fetchPing().then((ok) => {
        if (ok) return resolve(child);
        if (Date.now() > deadline) return reject(new Error('private redis did not start'));
        setTimeout(poll, 50);
      }, reject);
    };
    poll();
  });
}

/** PING over a raw TCP socket: true once the private Redis answers. */
function fetchPing(): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createConnection({ port: redisPort, host: '127.0.0.1' });
    s.once('error', () => resolve(false));
    s.once('data', (d) => {
      s.destroy();
      resolve(d.toString().startsWith('+PONG'));
    });
    s.once('connect', () => s.write('PING\r\n'));
  });
}

function nodeEnv(id: string): Record<string, string> {
  return {
    ...iso.env,
    DATABASE_URL: `${PG_URL}?application_name=${appName}`,
    REDIS_URL: `redis://127.0.0.1:${redisPort}`,
    CAIRN_NODE_ID: id,
  };
}

async function terminateBackends(): Promise<number> {
  const c = new pg.Client({ connectionString: PG_URL });
  await c.connect();
  const { rows } = await c.query('SELECT pg_terminate_backend(pid) AS t FROM pg_stat_activity WHERE application_name = $1', [appName]);
  await c.end();
  return rows.length;
}

interface Writer {
  clientId: string;
  token: string;
  next: number;
  unacked: Map<number, { doc: string; update: Uint8Array }>;
  acked: Set<number>;
  reconnects: number;
  refusals: string[];
  stopped: boolean;
  /** Closes the writer's current socket. */
  hangUp(): void;
  done: Promise<void>;
}

/** Like the client's outbox and push loop: resend all un-acked in seq order on every new session. */
function runWriter(w: Writer): Promise<void> {
  return new Promise<void>((finish) => {
    const connect = () => {
      if (w.stopped) return finish();
      const live = nodes.filter((n) => n.child.exitCode === null && n.child.signalCode === null);
      const node = live[rand.int(live.length)] ?? nodes[0]!;
      const ws = new WebSocket(`${node.wsUrl}/v1/sync`);
      w.hangUp = () => ws.close();
      let open = false;
      const send = (f: Frame) => ws.readyState === ws.OPEN && ws.send(encodeFrame(f));
      const fill = () => {
        while (producing && w.next <= PER_WRITER && w.unacked.size < WINDOW) {
          const seq = w.next++;
          const doc = DOCS[rand.int(DOCS.length)]!;
          const push = { doc, update: mapUpdate(`${w.clientId}-${seq}`, seq) };
          w.unacked.set(seq, push);
          send({ type: 'push', doc, seq, update: push.update });
        }
      };
      ws.on('open', () => send({ type: 'hello', protocolVersion: PROTOCOL_VERSION, clientId: w.clientId, token: w.token }));
      ws.on('message', (data) => {
        const f = decodeFrame(toBytes(data as Buffer));
        if (f.type === 'welcome') {
          open = true;
          for (const [seq, p] of [...w.unacked].sort((a, b) => a[0] - b[0])) send({ type: 'push', doc: p.doc, seq, update: p.update });
          fill();
        } else if (f.type === 'ack') {
          for (const seq of [...w.unacked.keys()]) {
            if (seq > f.seq) continue;
            w.unacked.delete(seq);
            w.acked.add(seq);
          }
          if ((!producing || w.next > PER_WRITER) && w.unacked.size === 0) {
            w.stopped = true;
            ws.close();
            return;
          }
          fill();
        } else if (f.type === 'reject') {
          w.refusals.push(f.code);
        }
      });
      ws.on('error', () => undefined);
      ws.on('close', () => {
        if (open) w.reconnects++;
        setTimeout(connect, 30 + rand.int(120));
      });
    };
    connect();
  });
}

async function rowsOf(): Promise<Array<{ client_id: string; seq: number; doc: string; version: number; bytes: Buffer }>> {
  const c = new pg.Client({ connectionString: PG_URL });
  await c.connect();
  const { rows } = await c.query(`SELECT client_id, seq::int AS seq, doc, version::int AS version, bytes FROM "${iso.schema}".cairn_updates ORDER BY doc, version`);
  await c.end();
  return rows as never;
}

async function served(node: ServerProcess, doc: string, token: string): Promise<Record<string, unknown>> {
  const ws = new WebSocket(`${node.wsUrl}/v1/sync`);
  return new Promise((resolve, reject) => {
    ws.on('open', () => ws.send(encodeFrame({ type: 'hello', protocolVersion: PROTOCOL_VERSION, clientId: `reader-${rand.int(1e9)}`.padEnd(14, '0'), token })));
    ws.on('error', reject);
    ws.on('message', (data) => {
      const f = decodeFrame(toBytes(data as Buffer));
      if (f.type === 'welcome') ws.send(encodeFrame({ type: 'sub', doc, stateVector: new Uint8Array() }));
      if (f.type === 'sync') {
        const d = new Y.Doc();
        Y.applyUpdate(d, f.update);
        resolve(d.getMap('m').toJSON());
        ws.close();
      }
      if (f.type === 'reject') reject(new Error(`reject ${f.code}`));
    });
  });
}

beforeAll(async () => {
  redisPort = await freePort();
  redis = await startRedis();
  nodes.push(await startServer(nodeEnv('fault-a')), await startServer(nodeEnv('fault-b')));
}, 60_000);

afterAll(async () => {
  await Promise.all(nodes.map((n) => n.kill('SIGKILL')));
  redis?.kill('SIGKILL');
  await iso.drop();
});

describe('acked vs stored through kill -9, a Redis restart and killed Postgres backends', () => {
  it('A1/M1: every acked push is stored exactly once, and every node serves the state Postgres holds', async () => {
    console.log(`faults-acked-vs-stored SEED=${SEED}`);
    const writers: Writer[] = [];
    for (let i = 0; i < WRITERS; i++) {
      const w: Writer = {
        clientId: `fault-writer-${i}-${SEED}`.padEnd(14, '0'),
        token: await issueToken({ secret: SECRET, tenant: 'acme', subject: `writer-${i}`, spaces: { site: 'rw' } }),
        next: 1, unacked: new Map(), acked: new Set(), reconnects: 0, refusals: [], stopped: false, hangUp: () => undefined,
        done: Promise.resolve(),
      };
      writers.push(w);
    }
    for (const w of writers) w.done = runWriter(w);
    const progress = () => writers.reduce((n, w) => n + w.acked.size, 0);
    const state = () => writers.map((w) => `${w.clientId}: next ${w.next} unacked ${w.unacked.size} acked ${w.acked.size} reconnects ${w.reconnects}`).join('\n');
    const atLeast = (n: number, what: string) =>
      until(() => progress() >= n, what, 30_000).catch((err: unknown) => {
        throw new Error(`${String(err)}\n${state()}\n${nodes.map((x) => x.output().slice(-3000)).join('\n---\n')}`);
      });

    await atLeast(100, 'a first 100 acks');
    // Fault 1: kill -9 a node under load, then bring up a replacement (a new process, as after a crash).
    await nodes[0]!.kill('SIGKILL');
    await atLeast(250, 'progress on the surviving node');
    nodes[0] = await startServer(nodeEnv('fault-a2'));

    // Fault 2: Redis dies (kill -9) and comes back empty on the same port.
    redis!.kill('SIGKILL');
    await new Promise((r) => setTimeout(r, 300));
    const before = progress();
    redis = await startRedis();
    await atLeast(before + 100, 'progress after the Redis restart');

    // Fault 3: every Postgres backend of both nodes is terminated, three times over.
    let terminated = 0;
    for (let round = 0; round < 3; round++) {
      terminated += await terminateBackends();
      const p = progress();
      await atLeast(p + 60, 'progress after terminated backends');
    }
    producing = false;

    // A writer whose last acks came before `producing` turned false is closed by its next ack or reconnect.
    for (const w of writers) {
      if (w.unacked.size > 0) continue;
      w.stopped = true;
      w.hangUp();
    }
    await Promise.all(writers.map((w) => w.done));
    const rows = await rowsOf();
    const stored = new Map<string, number>();
    for (const r of rows) stored.set(`${r.client_id}#${r.seq}`, (stored.get(`${r.client_id}#${r.seq}`) ?? 0) + 1);
    let acked = 0;
    let lost = 0;
    for (const w of writers) {
      for (const seq of w.acked) {
        acked++;
        if (!stored.has(`${w.clientId}#${seq}`)) lost++;
      }
    }
    console.log(`acked ${acked}, stored ${rows.length}, lost ${lost}, reconnects ${writers.map((w) => w.reconnects).join('/')}, backends terminated ${terminated}, refusals ${writers.flatMap((w) => w.refusals).join(',') || 'none'}`);
    expect(acked).toBe(writers.reduce((n, w) => n + w.next - 1, 0));
    expect(lost).toBe(0);
    expect([...stored.values()].every((n) => n === 1)).toBe(true);
    expect(writers.flatMap((w) => w.refusals).filter((c) => !['STORE_UNAVAILABLE', 'SHUTTING_DOWN', 'OVERLOADED', 'RATE_LIMITED'].includes(c))).toEqual([]);
    // C2: every doc's versions run 1..n with no gap.
    for (const doc of DOCS) {
      const versions = rows.filter((r) => r.doc === doc).map((r) => r.version);
      expect(versions).toEqual(versions.map((_, i) => i + 1));
    }

    // M1: each node (the replacement included) converges on what Postgres holds.
    const reader = await issueToken({ secret: SECRET, tenant: 'acme', subject: 'reader', spaces: { site: 'r' } });
    for (const doc of DOCS) {
      const truth = new Y.Doc();
      for (const r of rows.filter((x) => x.doc === doc)) Y.applyUpdate(truth, new Uint8Array(r.bytes));
      const want = truth.getMap('m').toJSON();
      for (const node of nodes) {
        let got: Record<string, unknown> = {};
        await until(async () => {
          got = await served(node, doc, reader);
          return Object.keys(got).length === Object.keys(want).length;
        }, `${doc} on ${node.url} to converge`, 20_000);
        expect(got).toEqual(want);
      }
    }
  }, 120_000);
});
