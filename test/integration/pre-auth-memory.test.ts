/**
 * S3/S7: before its hello is answered a socket is a stranger's, and the node must not hold much for it.
 * 300 sockets each upgrade `/v1/sync` and send most of one big frame, never a hello; the server process
 * (real, on Postgres) must close every one of them without buffering the frames, and a real client must
 * still be served afterwards. Before the pre-auth budget (64 KiB until welcome) and the ws cap of
 * maxPayload + 64 KiB, ws buffered frames up to 2 MiB per socket: +541 MB of RSS for this flood.
 */
import { afterAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { Socket } from 'node:net';
import { PROTOCOL_VERSION, type ClientSocket } from '@cairn/shared';
import { issueToken } from '@cairn/server';
import { connectRaw } from '../support/raw-client.js';
import { isolatedEnv, SECRET, startServer, type ServerProcess } from '../support/server-process.js';
import { frameHeader, rawUpgrade, rssOf } from '../support/raw-upgrade.js';
import { mapUpdate } from '../support/yjs-updates.js';

const iso = isolatedEnv('it_pre_auth');
const SOCKETS = 300;
/** Generous against noise on a shared machine, far below the ~300 MB-541 MB these floods held before. */
const MAX_GROWTH = 120 * 1024 * 1024;

afterAll(() => iso.drop());

/** Opens SOCKETS upgraded sockets, sends `sent` bytes of a frame announcing `announced`, and waits for every close. */
async function flood(server: ServerProcess, announced: number, sent: number): Promise<{ growth: number; closed: number }> {
  const pid = server.child.pid!;
  const before = rssOf(pid);
  let peak = before;
  const sampler = setInterval(() => (peak = Math.max(peak, rssOf(pid))), 20);
  const payload = Buffer.alloc(sent, 0x61);
  const sockets: Socket[] = [];
  let closed = 0;
  try {
    for (let i = 0; i < SOCKETS; i += 50) {
      const batch = await Promise.all(Array.from({ length: Math.min(50, SOCKETS - i) }, () => rawUpgrade(server.port, '/v1/sync')));
      for (const r of batch) {
        expect(r.ok).toBe(true);
        if (!r.ok) continue;
        sockets.push(r.socket);
        r.socket.on('close', () => closed++);
        r.socket.write(frameHeader(announced));
        r.socket.write(payload);
      }
    }
    const deadline = Date.now() + 8_000; // under the 10 s hello timeout: closing must come from the budget
    while (closed < sockets.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    return { growth: peak - before, closed };
  } finally {
    clearInterval(sampler);
    for (const s of sockets) s.destroy();
  }
}

async function stillServes(server: ServerProcess): Promise<void> {
  const token = await issueToken({ secret: SECRET, tenant: 'acme', subject: 'w', spaces: { '*': 'rw' } });
  const c = await connectRaw((u) => new WebSocket(`${server.wsUrl}${u}`) as unknown as ClientSocket, '/v1/sync');
  c.send({ type: 'hello', protocolVersion: PROTOCOL_VERSION, clientId: `legit-${Math.random().toString(36).slice(2, 10)}`, token });
  await c.next('welcome');
  c.send({ type: 'push', doc: 'site/after-flood', seq: 1, update: mapUpdate('ok', 1) });
  await c.next('ack');
  c.close();
}

describe('pre-auth memory', () => {
  it.each([
    ['1.9 MiB', 1.9 * 1024 * 1024, 1.8 * 1024 * 1024],
    ['1 MiB (within maxPayload)', 1024 * 1024 - 100, 1000 * 1000],
  ])('S3/S7: %s frames sent before hello on 300 sockets are never buffered; every socket is closed; a client still connects', async (_name, announced, sent) => {
    const server = await startServer({ ...iso.env, CAIRN_MAX_CONNECTIONS_PER_ADDRESS: '1000' });
    try {
      const { growth, closed } = await flood(server, Math.round(announced), Math.round(sent));
      console.log(`pre-auth flood (${_name}): RSS +${(growth / 1024 / 1024).toFixed(1)} MB, ${closed}/${SOCKETS} closed`);
      expect(closed).toBe(SOCKETS);
      expect(growth).toBeLessThan(MAX_GROWTH);
      await stillServes(server);
    } finally {
      await server.kill('SIGKILL');
    }
  }, 60_000);
});
