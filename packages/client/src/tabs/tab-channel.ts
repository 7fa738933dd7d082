/**
 * O5: tabs of one origin share the IndexedDB replica, and a BroadcastChannel named after the database
 * carries each local write to the other tabs right after it commits. They apply it with origin TAB: no
 * outbox row and no replica write (the writing tab did both, in the shared db), and it reaches them with
 * the socket closed. Acks and dead letters only announce that the shared outbox changed, so every tab's
 * pending count stays true.
 */
/** The part of BroadcastChannel the client uses; inject one (tests, workers) via the `broadcastChannel` option. */
export interface TabPort {
  postMessage(message: unknown): void;
  onmessage: ((event: { data: unknown }) => void) | null;
  close(): void;
}

export type TabPortFactory = (name: string) => TabPort;

type TabMessage =
  | { cairn: 1; type: 'update'; doc: string; update: Uint8Array }
  | { cairn: 1; type: 'outbox' };

export interface TabChannel {
  postUpdate(doc: string, update: Uint8Array): void;
  postOutboxChanged(): void;
  close(): void;
}

export interface TabChannelOptions {
  factory: TabPortFactory | null;
  dbName: string;
  onUpdate(doc: string, update: Uint8Array): void;
  onOutboxChanged(): void;
}

/** The host's BroadcastChannel, or null where there is none. */
export function defaultTabPortFactory(): TabPortFactory | null {
  if (typeof BroadcastChannel !== 'function') return null;
  return (name) => {
    const channel = new BroadcastChannel(name);
    const port: TabPort = {
      postMessage: (message) => channel.postMessage(message),
      onmessage: null,
      close: () => channel.close(),
    };
    channel.onmessage = (event) => port.onmessage?.({ data: event.data });
    return port;
  };
}

function isTabMessage(data: unknown): data is TabMessage {
  if (typeof data !== 'object' || data === null) return false;
  const m = data as Partial<Record<string, unknown>>;
  if (m['cairn'] !== 1) return false;
  if (m['type'] === 'outbox') return true;
  return m['type'] === 'update' && typeof m['doc'] === 'string' && m['update'] instanceof Uint8Array;
}

export function createTabChannel(o: TabChannelOptions): TabChannel {
  const port = o.factory?.(`cairn:${o.dbName}`) ?? null;
  if (port) {
    port.onmessage = ({ data }) => {
      if (!isTabMessage(data)) return;
      if (data.type === 'update') o.onUpdate(data.doc, data.update);
      else o.onOutboxChanged();
    };
  }
  const post = (message: TabMessage) => port?.postMessage(message);
  return {
    postUpdate: (doc, update) => post({ cairn: 1, type: 'update', doc, update }),
    postOutboxChanged: () => post({ cairn: 1, type: 'outbox' }),
    close() {
      if (port) port.onmessage = null;
      port?.close();
    },
  };
}
