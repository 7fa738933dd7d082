// Connections for the load generator: opening many sockets in batches, and the URL of a room.
import { connectY } from './y-client.mjs';

export const roomUrl = (target, room) => target.yUrlTemplate.replace('{room}', encodeURIComponent(room));

/** Opens `count` y-websocket clients (made by `make(i)` → options for connectY), `batch` at a time. */
export async function openYClients(target, count, make, { batch = 100 } = {}) {
  const clients = [];
  for (let start = 0; start < count; start += batch) {
    const group = [];
    for (let i = start; i < Math.min(count, start + batch); i++) {
      const o = make(i);
      group.push(connectY({ flavor: target.protocol, url: roomUrl(target, o.room), ...o }));
    }
    await Promise.all(group.map((c) => c.ready));
    clients.push(...group);
  }
  return clients;
}

export function closeAll(clients) {
  for (const c of clients) c.close();
}
