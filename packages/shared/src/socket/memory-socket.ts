/**
 * An in-memory socket pair: a {@link ClientSocket} wired to a server {@link SessionAcceptor}, with the
 * delivery of every message in either direction handed to a scheduler. The default scheduler delivers on
 * a microtask, in order; simulations pass their own to reorder, delay or cut connections (seeded).
 */
import { SocketState, type ClientSocket, type SessionAcceptor, type SessionHandle } from './socket.js';

/** Schedules one delivery; `connection` numbers the connection, for schedulers that keep each one FIFO. */
export type Deliver = (direction: 'up' | 'down', run: () => void, connection: number) => void;

const microtask: Deliver = (_d, run) => queueMicrotask(run);

export interface MemoryNetwork {
  /** A factory for the client: every call opens a new connection to the acceptor. */
  connect: (url: string) => ClientSocket;
  /** Drops every open connection as a network cut would (both ends see close 1006). */
  cutAll(): void;
  /** Number of open connections. */
  open(): number;
}

export function createMemoryNetwork(accept: SessionAcceptor, deliver: Deliver = microtask): MemoryNetwork {
  const live = new Set<() => void>();
  let connections = 0;
  function connect(_url: string): ClientSocket {
    const id = ++connections;
    const send = (direction: 'up' | 'down', run: () => void) => deliver(direction, run, id);
    let state: number = SocketState.CONNECTING;
    let handle: SessionHandle | null = null;
    // A graceful close still delivers what was sent before it (as a WebSocket close frame does);
    // a network cut loses everything in flight.
    let severed = false;
    const finish = (code: number, reason: string) => {
      if (state === SocketState.CLOSED) return;
      state = SocketState.CLOSED;
      if (code === 1006) severed = true;
      live.delete(cut);
      send('down', () => client.onclose?.({ code, reason, wasClean: code !== 1006 } as CloseEvent));
      send('up', () => handle?.closed(code, reason));
    };
    const cut = () => finish(1006, 'network cut');
    const client: ClientSocket = {
      get readyState() { return state; },
      binaryType: 'arraybuffer',
      onopen: null, onmessage: null, onclose: null, onerror: null,
      send(data) {
        if (state !== SocketState.OPEN) throw new Error('socket is not open');
        const copy = new Uint8Array(data);
        send('up', () => { if (!severed) handle?.receive(copy); });
      },
      close(code = 1000, reason = '') { finish(code, reason); },
    };
    live.add(cut);
    send('down', () => {
      if (state !== SocketState.CONNECTING) return;
      state = SocketState.OPEN;
      handle = accept({
        send(data) {
          if (state !== SocketState.OPEN) return;
          const copy = new Uint8Array(data);
          send('down', () => { if (!severed) client.onmessage?.({ data: copy } as MessageEvent); });
        },
        close(code, reason) { finish(code, reason); },
        bufferedAmount: () => 0,
      });
      client.onopen?.({} as Event);
    });
    return client;
  }
  return { connect, cutAll: () => [...live].forEach((cut) => cut()), open: () => live.size };
}
