/**
 * The Bus on Redis pub/sub (ioredis 5), for many nodes. Two connections: a subscriber (a connection in
 * subscribe mode can do nothing else) and a publisher. Channels are prefixed so that several deployments or
 * test runs can share one Redis.
 *
 * Neither connection queues commands while it is down (`enableOfflineQueue: false`, no retries per
 * request): a publish on a dead connection rejects at once instead of waiting for a reconnect that may never
 * come, and the caller decides (F2 makes a lost publish survivable). Both connections reconnect forever with
 * capped, jittered backoff.
 *
 * The subscriber's channels come from the handler registry, not from ioredis's memory of them: after a
 * reconnect (a 'ready' that follows a 'close') this file subscribes every registered channel again and only
 * then fires the onReconnect listeners, so a listener that resyncs from the Store cannot miss an update
 * published after its resync started.
 */
import { Redis, type RedisOptions } from 'ioredis';
import type { Bus } from './bus.js';
import { createHandlerRegistry, reportToConsole, type BusErrorReporter } from './handler-registry.js';

export interface RedisBusOptions {
  url: string;
  /** Prepended to every channel name. Default `cairn:`. */
  prefix?: string;
  /** Connections show in `CLIENT LIST` as `<name>:pub` and `<name>:sub`. Default `cairn`. */
  connectionName?: string;
  /** A command without a reply after this long rejects (a black-holed connection). Default 5000. */
  commandTimeoutMs?: number;
  /** Gets connection errors and what a handler or listener threw; the default logs them. */
  onError?: BusErrorReporter;
}

/** ioredis calls this after each failed attempt; a number is the delay before the next one. */
export function reconnectDelayMs(attempt: number): number {
  const capped = Math.min(2000, 50 * 2 ** Math.min(attempt - 1, 6));
  return Math.round(capped * (0.5 + Math.random() / 2));
}

/** Connects both connections; rejects (and leaves nothing open) if Redis cannot be reached at start. */
export async function createRedisBus(opts: RedisBusOptions): Promise<Bus> {
  const prefix = opts.prefix ?? 'cairn:';
  const name = opts.connectionName ?? 'cairn';
  const report = opts.onError ?? reportToConsole;
  const registry = createHandlerRegistry(report);
  const base: RedisOptions = {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    autoResubscribe: false,
    commandTimeout: opts.commandTimeoutMs ?? 5000,
    retryStrategy: reconnectDelayMs,
  };
  // Auto-pipelining: the publishes of one event-loop turn (a settled commit batch publishes one per update)
  // leave in one write instead of one each.
  const pub = new Redis(opts.url, { ...base, enableAutoPipelining: true, connectionName: `${name}:pub` });
  const sub = new Redis(opts.url, { ...base, connectionName: `${name}:sub` });
  pub.on('error', report);
  sub.on('error', report);

  let closed = false;
  let everReady = false;
  let lost = false;
  let readyEpoch = 0;

  sub.on('messageBuffer', (channel: Buffer, message: Buffer) => {
    const full = channel.toString();
    if (!full.startsWith(prefix)) return;
    const name = full.slice(prefix.length);
    const handlers = registry.handlersOf(name);
    // A copy, as a plain Uint8Array: the parser's Buffer may be a view into a larger chunk it keeps.
    if (handlers.length > 0) registry.dispatch(name, new Uint8Array(message), handlers);
  });
  sub.on('close', () => { if (everReady) lost = true; });
  sub.on('ready', () => {
    readyEpoch += 1;
    if (!everReady) { everReady = true; return; }
    if (!lost || closed) return;
    lost = false;
    const epoch = readyEpoch;
    void resubscribeAll().then(
      () => { if (epoch === readyEpoch && !closed) registry.fireReconnect(); },
      (err: unknown) => {
        // The link dropped again (the next 'ready' retries) or Redis refused: start over on a fresh link.
        if (epoch !== readyEpoch || closed) return;
        report(err);
        lost = true;
        sub.disconnect(true);
      },
    );
  });

  async function resubscribeAll(): Promise<void> {
    const channels = registry.channels().map((c) => prefix + c);
    if (channels.length > 0) await sub.subscribe(...channels);
  }

  try {
    await Promise.all([pub.connect(), sub.connect()]);
  } catch (err) {
    closed = true;
    pub.disconnect();
    sub.disconnect();
    throw new Error('cannot connect to Redis', { cause: err });
  }

  const closedError = () => Promise.reject(new Error('bus is closed'));

  return {
    kind: 'redis',
    async publish(channel, message) {
      if (closed) return closedError();
      await pub.publish(prefix + channel, Buffer.from(message.buffer, message.byteOffset, message.byteLength));
    },
    async subscribe(channel, handler) {
      if (closed) return closedError();
      registry.add(channel, handler);
      // Sent even when the channel already has a handler: the first SUBSCRIBE may still be unconfirmed,
      // and this promise must not resolve before the subscription is active. Redis ignores the repeat.
      await sub.subscribe(prefix + channel);
    },
    async unsubscribe(channel, handler) {
      if (!registry.remove(channel, handler) || sub.status !== 'ready') return;
      // Best effort: a stray subscription only costs ignored messages, and a reconnect drops it.
      await sub.unsubscribe(prefix + channel).catch(() => undefined);
    },
    onReconnect: (listener) => registry.onReconnect(listener),
    async ping() {
      if (closed) return closedError();
      await Promise.all([pub.ping(), sub.ping()]);
    },
    async close() {
      if (closed) return;
      closed = true;
      registry.clear();
      await Promise.all([shut(pub), shut(sub)]);
    },
  };
}

/** Quits politely when connected, and resolves once the socket is gone (no open handle left behind). */
async function shut(redis: Redis): Promise<void> {
  if (redis.status === 'end') return;
  if (redis.status !== 'ready') {
    // Between attempts there is no socket, only a reconnect timer, which disconnect() clears.
    const ended = redis.status === 'reconnecting' ? Promise.resolve() : endOf(redis);
    redis.disconnect();
    await ended;
    return;
  }
  const ended = endOf(redis);
  await redis.quit().catch(() => redis.disconnect());
  await ended;
}

function endOf(redis: Redis): Promise<void> {
  return new Promise((resolve) => redis.once('end', () => resolve()));
}
