// (3) Idle connections: clients connect (rooms of 10), sync, and then stay silent; the server's resident
// memory is read after a full GC at each step. Memory per connection is the least-squares slope of RSS
// over the connection count. Each protocol gets a fresh server (run.mjs), warmed by a few connections
// opened and closed first, so one pass's freed heap does not hide the next one's growth.
//   'y'      y-websocket clients (every server)
//   'native' Cairn's own clients: hello + sub (Cairn only)
import { openYClients, closeAll } from '../lib/rig.mjs';
import { connectNative } from '../lib/native-client.mjs';
import { rssBytes } from '../lib/proc.mjs';
import { slope, sleep } from '../lib/stats.mjs';

async function settledRss(pid) {
  await sleep(400);
  process.kill(pid, 'SIGUSR2'); // bench/servers/gc-on-signal.mjs: full GC
  await sleep(600);
  return rssBytes(pid);
}

function opener(target, o, protocol) {
  if (protocol === 'y') {
    return (prefix, from, count) => openYClients(target, count, (i) => ({ room: `${prefix}-${Math.floor((from + i) / o.roomSize)}` }), { batch: o.batch });
  }
  return async (prefix, from, count) => {
    const out = [];
    for (let start = 0; start < count; start += o.batch) {
      const group = [];
      for (let i = start; i < Math.min(count, start + o.batch); i++) {
        const c = connectNative({ url: target.nativeUrl });
        group.push(c.ready.then(() => c.sub(`bench/${prefix}-${Math.floor((from + i) / o.roomSize)}`)).then(() => c));
      }
      out.push(...(await Promise.all(group)));
    }
    return out;
  };
}

export async function idle(target, o) {
  const protocol = o.protocol ?? 'y';
  if (protocol === 'native' && !target.cairn) return null;
  const open = opener(target, o, protocol);
  const warm = await open('warm', 0, o.warmup);
  closeAll(warm);
  await sleep(500);
  const points = [];
  const clients = [];
  for (const n of o.steps) {
    if (n > clients.length) clients.push(...(await open('idle', clients.length, n - clients.length)));
    points.push({ x: n, y: await settledRss(target.pid) });
  }
  closeAll(clients);
  return { protocol, points, bytesPerConnection: slope(points) };
}
