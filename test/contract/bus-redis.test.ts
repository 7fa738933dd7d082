import net from 'node:net';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisBus } from '../../packages/server/src/bus/redis-bus.js';
import type { Bus } from '../../packages/server/src/bus/bus.js';
import { collector, describeBusContract, until } from './bus.contract.js';
import { startTcpProxy, type TcpProxy } from './bus-tcp-proxy.js';

const REDIS = { host: '127.0.0.1', port: 6379 };
const REDIS_URL = `redis://${REDIS.host}:${REDIS.port}`;
/** Unique per run, so parallel test files and earlier runs never share a channel. */
const RUN = `cairn-test-${process.pid}-${randomBytes(4).toString('hex')}`;
let pairs = 0;

let admin: Redis;
beforeAll(async () => {
  admin = new Redis(REDIS_URL, { lazyConnect: true });
  await admin.connect();
});
afterAll(async () => { await admin.quit(); });

async function clientNames(): Promise<string[]> {
  const list = (await admin.client('LIST')) as string;
  return list.split('\n').map((l) => / name=(\S*) /.exec(l)?.[1] ?? '').filter((name) => name !== '');
}

async function clientId(connectionName: string): Promise<string> {
  const list = (await admin.client('LIST')) as string;
  const line = list.split('\n').find((l) => l.includes(` name=${connectionName} `));
  const id = line && /^id=(\d+) /.exec(line)?.[1];
  if (!id) throw new Error(`no Redis client named ${connectionName}`);
  return id;
}

const quiet = () => undefined;

describeBusContract('redis', async () => {
  const n = ++pairs;
  const prefix = `${RUN}:${n}:`;
  const proxies = new Map<Bus, TcpProxy>();
  const names = new Map<Bus, string>();
  for (const node of ['a', 'b']) {
    const proxy = await startTcpProxy(REDIS);
    const connectionName = `${RUN}-${n}-${node}`;
    // Connection errors are expected here: the cases cut and kill connections on purpose.
    const bus = await createRedisBus({ url: proxy.url, prefix, connectionName, onError: quiet });
    proxies.set(bus, proxy);
    names.set(bus, connectionName);
  }
  const [a, b] = [...proxies.keys()] as [Bus, Bus];
  return {
    a,
    b,
    cut: async (bus) => proxies.get(bus)!.cut(),
    restore: async (bus) => proxies.get(bus)!.restore(),
    drop: async (bus) => {
      const id = await clientId(`${names.get(bus)!}:sub`);
      await admin.client('KILL', 'ID', id);
    },
    connections: async () => (await clientNames()).filter((name) => name.startsWith(`${RUN}-${n}-`)).length,
    dispose: async () => {
      await Promise.all([a.close(), b.close()]);
      await Promise.all([...proxies.values()].map((p) => p.close()));
    },
  };
});

describe('redis bus', () => {
  it('S5: prefixes keep deployments that share one Redis apart', async () => {
    const one = await createRedisBus({ url: REDIS_URL, prefix: `${RUN}:one:` });
    const two = await createRedisBus({ url: REDIS_URL, prefix: `${RUN}:two:` });
    try {
      const atOne = collector();
      const atTwo = collector();
      await one.subscribe('doc', atOne.handler);
      await two.subscribe('doc', atTwo.handler);
      await one.publish('doc', new TextEncoder().encode('one'));
      await two.publish('doc', new TextEncoder().encode('two'));
      await atOne.receive(1, 'one');
      await atTwo.receive(1, 'two');
      expect(atOne.texts()).toEqual(['one']);
      expect(atTwo.texts()).toEqual(['two']);
    } finally {
      await Promise.all([one.close(), two.close()]);
    }
  });

  it('names its connections for CLIENT LIST', async () => {
    const bus = await createRedisBus({ url: REDIS_URL, prefix: `${RUN}:named:`, connectionName: `${RUN}-named` });
    try {
      await expect(clientId(`${RUN}-named:pub`)).resolves.toMatch(/^\d+$/);
      await expect(clientId(`${RUN}-named:sub`)).resolves.toMatch(/^\d+$/);
    } finally {
      await bus.close();
    }
  });

  it('rejects at start when Redis cannot be reached, and leaves nothing open', async () => {
    // A port that was free a moment ago: nothing listens there.
    const probe = net.createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as net.AddressInfo;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const handles = () => process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap' || r === 'Timeout').length;
    const before = handles();
    await expect(createRedisBus({ url: `redis://127.0.0.1:${port}`, onError: quiet })).rejects.toThrow(/cannot connect to Redis/);
    // A failed socket leaves the handle list on a later turn of the event loop; a reconnect timer never would.
    await until(() => handles() <= before, 'handles to be released', 2000).catch(() => undefined);
    expect(handles()).toBeLessThanOrEqual(before);
  });

  it('a throwing handler is reported and the other handlers still run', async () => {
    const errors: unknown[] = [];
    const bus = await createRedisBus({ url: REDIS_URL, prefix: `${RUN}:throws:`, onError: (err) => errors.push(err) });
    try {
      const ok = collector();
      await bus.subscribe('c', () => { throw new Error('handler bug'); });
      await bus.subscribe('c', ok.handler);
      await bus.publish('c', new TextEncoder().encode('m'));
      await ok.receive(1, 'the healthy handler');
      expect(errors.map(String)).toEqual(['Error: handler bug']);
    } finally {
      await bus.close();
    }
  });
});
