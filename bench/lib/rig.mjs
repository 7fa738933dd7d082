// Connections for the load generator: opening many sockets in batches, the URL of a room, and (for the
// fan-out rig) sockets kept open as y-websocket's provider keeps them: a socket the server closes is
// counted and reopened, and the sync handshake on the new socket resends what the server lacks.
import { connectY } from './y-client.mjs';

export const roomUrl = (target, room) => target.yUrlTemplate.replace('{room}', encodeURIComponent(room));

/** y-websocket's provider: 100 ms after a close, doubling after each failed attempt, at most 2.5 s. */
const backoffMs = (failures) => Math.min(100 * 2 ** failures, 2500);

/**
 * One client that reconnects after the server closes it, with the same doc and handlers; `log` (a
 * createSocketLog) hears each close and reconnect. `ready` is the first connection's; close() stops it.
 */
function connectKept(target, o, log) {
  let stopped = false;
  let failures = 0;
  let current = null;
  const open = (again) => {
    let synced = false;
    const c = connectY({
      flavor: target.protocol,
      url: roomUrl(target, o.room),
      ...o,
      onClose: (code, reason) => {
        if (stopped || c !== current) return;
        // A close before sync is a failed attempt (counted below), not a socket the server closed mid-phase.
        if (synced) log.closed(code, reason);
        setTimeout(() => {
          if (!stopped) open(true);
        }, backoffMs(failures));
      },
    });
    current = c;
    c.ready.then(
      () => {
        synced = true;
        failures = 0;
        if (again) log.reconnected();
      },
      () => {
        // A failed attempt also closes, which schedules the next one.
        failures++;
        if (again) log.reconnectFailed();
      },
    );
    return c;
  };
  const first = open(false);
  return {
    ready: first.ready,
    get open() {
      return current.ws.readyState === current.ws.OPEN;
    },
    sendUpdate: (update) => current.sendUpdate(update),
    close() {
      stopped = true;
      current.close();
    },
  };
}

/**
 * Opens `count` y-websocket clients (made by `make(i)` → options for connectY), `batch` at a time. With
 * `keep` (a createSocketLog), each client reconnects after a close and the log counts both.
 */
export async function openYClients(target, count, make, { batch = 100, keep = null } = {}) {
  const clients = [];
  for (let start = 0; start < count; start += batch) {
    const group = [];
    for (let i = start; i < Math.min(count, start + batch); i++) {
      const o = make(i);
      group.push(keep ? connectKept(target, o, keep) : connectY({ flavor: target.protocol, url: roomUrl(target, o.room), ...o }));
    }
    await Promise.all(group.map((c) => c.ready));
    clients.push(...group);
  }
  return clients;
}

export function closeAll(clients) {
  for (const c of clients) c.close();
}
