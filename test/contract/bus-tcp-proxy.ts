/**
 * A TCP proxy in front of Redis for the bus tests: `cut()` drops every connection through it and refuses
 * new ones until `restore()`. That is a network outage under the test's control, where `CLIENT KILL` is only
 * a blip (the client reconnects at once). Nothing reaches the client while cut, even what Redis had already
 * sent, since the proxy is the only path.
 */
import net from 'node:net';

export interface TcpProxy {
  readonly url: string;
  cut(): void;
  restore(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  let up = true;
  const open = new Set<net.Socket>();

  const track = (socket: net.Socket) => {
    open.add(socket);
    socket.on('close', () => open.delete(socket));
    socket.on('error', () => socket.destroy());
  };

  const server = net.createServer((downstream) => {
    track(downstream);
    if (!up) {
      downstream.destroy();
      return;
    }
    const upstream = net.connect(target);
    track(upstream);
    downstream.pipe(upstream);
    upstream.pipe(downstream);
    downstream.on('close', () => upstream.destroy());
    upstream.on('close', () => downstream.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;

  const dropAll = () => { for (const socket of [...open]) socket.destroy(); };
  return {
    url: `redis://127.0.0.1:${port}`,
    cut() {
      up = false;
      dropAll();
    },
    restore() { up = true; },
    async close() {
      up = false;
      const closing = [...open].map((socket) => new Promise((resolve) => socket.once('close', resolve)));
      dropAll();
      await Promise.all([...closing, new Promise<void>((resolve) => server.close(() => resolve()))]);
    },
  };
}
