/**
 * S6 at the upgrade: a client that resets its TCP connection while the server writes its refusal (a
 * browser or ws client giving up on a 403 and retrying every few ms) makes that socket emit 'error'. Before
 * the handshake nobody listened for it, and an 'error' with no listener ends the process: the node died in
 * CI under a client retrying a refused Origin every 20-40 ms. It must only end that socket.
 */
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isolatedEnv, SECRET, startServer, type ServerProcess } from '../support/server-process.js';

const iso = isolatedEnv('it_upgrade_reset');
let server: ServerProcess;

beforeAll(async () => {
  server = await startServer({ ...iso.env, CAIRN_AUTH_SECRET: SECRET, CAIRN_ALLOWED_ORIGINS: 'https://app.example' });
}, 60_000);

afterAll(async () => {
  await server?.kill('SIGKILL');
  await iso.drop();
});

/** An upgrade that will be refused, reset by the client right after it is sent (or a moment later). */
function resetUpgrade(path: string, origin: string, delayMs: number): Promise<void> {
  return new Promise((resolve) => {
    const s = connect({ port: server.port, host: '127.0.0.1' }, () => {
      s.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        `Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nOrigin: ${origin}\r\n\r\n`);
      setTimeout(() => s.resetAndDestroy(), delayMs);
    });
    s.on('error', () => undefined);
    s.on('close', () => resolve());
  });
}

describe('clients that reset while their upgrade is refused', () => {
  it('S6: 2,000 resets during refusals (foreign Origin, unknown path, bad /y token) leave the node up', async () => {
    for (let i = 0; i < 2000; i++) {
      const path = ['/v1/sync', '/nowhere', '/y/room?token=bad'][i % 3]!;
      await resetUpgrade(path, i % 3 === 0 ? 'https://evil.example' : 'https://app.example', i % 4);
      expect(server.child.exitCode).toBeNull();
    }
    const res = await fetch(`${server.url}/healthz`);
    expect(res.status).toBe(200);
    expect(server.child.exitCode).toBeNull();
  }, 60_000);
});
