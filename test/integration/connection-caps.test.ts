/**
 * S7: sockets are capped in total (CAIRN_MAX_CONNECTIONS) and per remote address
 * (CAIRN_MAX_CONNECTIONS_PER_ADDRESS), on `/v1/sync` and `/y/:room` together, before the handshake: past
 * a cap the upgrade gets HTTP 503 with the code TOO_MANY_CONNECTIONS (counted in the rejected-frames
 * metric), and a closed socket gives its place back. Loopback addresses 127.0.0.2 and .3 stand in for
 * other hosts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { Socket } from 'node:net';
import { PROTOCOL_VERSION, type ClientSocket } from '@cairn/shared';
import { issueToken } from '@cairn/server';
import { connectRaw, type RawClient } from '../support/raw-client.js';
import { isolatedEnv, SECRET, startServer, type ServerProcess } from '../support/server-process.js';
import { rawUpgrade } from '../support/raw-upgrade.js';
import { until } from '../support/until.js';

const iso = isolatedEnv('it_conn_caps');
let server: ServerProcess;
let token: string;
const open: Socket[] = [];

beforeAll(async () => {
  token = await issueToken({ secret: SECRET, tenant: 'acme', subject: 'w', spaces: { '*': 'rw' } });
  server = await startServer({ ...iso.env, CAIRN_MAX_CONNECTIONS: '12', CAIRN_MAX_CONNECTIONS_PER_ADDRESS: '5' });
}, 60_000);

afterAll(async () => {
  for (const s of open) s.destroy();
  await server?.kill('SIGKILL');
  await iso.drop();
});

async function accepted(path: string, localAddress: string): Promise<Socket> {
  const r = await rawUpgrade(server.port, path, { localAddress });
  if (!r.ok) throw new Error(`refused with ${r.status}: ${r.body}`);
  open.push(r.socket);
  return r.socket;
}

async function refusal(path: string, localAddress: string) {
  const r = await rawUpgrade(server.port, path, { localAddress });
  if (r.ok) throw new Error('accepted past the cap');
  return { status: r.status, code: (JSON.parse(r.body) as { error: { code: string; retryable: boolean } }).error };
}

describe('connection caps', () => {
  it('S7: past the per-address cap and the total cap an upgrade gets 503 TOO_MANY_CONNECTIONS; a closed socket frees its place', async () => {
    const first = await accepted('/v1/sync', '127.0.0.1');
    for (let i = 0; i < 4; i++) await accepted('/v1/sync', '127.0.0.1');
    expect(await refusal('/v1/sync', '127.0.0.1')).toEqual({ status: 503, code: expect.objectContaining({ code: 'TOO_MANY_CONNECTIONS', retryable: true }) });
    expect((await refusal(`/y/room?token=${token}`, '127.0.0.1')).status).toBe(503); // /y/ counts the same

    // Another address is not held back by the first one's cap; /y/ sockets count toward its own.
    for (let i = 0; i < 5; i++) await accepted(`/y/room-${i}?token=${token}`, '127.0.0.2');
    expect((await refusal('/v1/sync', '127.0.0.2')).status).toBe(503);

    // Ten open: a third address gets two more, then the total cap of 12 refuses it too.
    await accepted('/v1/sync', '127.0.0.3');
    await accepted('/v1/sync', '127.0.0.3');
    expect(await refusal('/v1/sync', '127.0.0.3')).toMatchObject({ status: 503, code: { code: 'TOO_MANY_CONNECTIONS' } });

    // A socket that closes gives its place back: a real client from the first address gets in and is served.
    first.destroy();
    let c: RawClient | null = null;
    await until(async () => {
      c = await connectRaw((u) => new WebSocket(`${server.wsUrl}${u}`, { localAddress: '127.0.0.1' }) as unknown as ClientSocket, '/v1/sync').catch(() => null);
      return c !== null;
    }, 'a place freed by the close');
    c = c!;
    c.send({ type: 'hello', protocolVersion: PROTOCOL_VERSION, clientId: 'caps-legit-01', token });
    await c.next('welcome');
    c.close();

    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    const refused = Number(/cairn_rejected_frames_total\{code="TOO_MANY_CONNECTIONS"\} (\d+)/.exec(metrics)?.[1]);
    expect(refused).toBeGreaterThanOrEqual(4);
  }, 30_000);
});
