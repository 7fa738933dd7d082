// Presence (issue 11, P4): `clients` headsets in spaces of `roomSize`, each sending its head and both hands
// `hz` times a second (lib/headset-pose.mjs), open loop. Cairn clients send native `pose` frames to the one
// cell doc of their space and receive `peer-pose` (lib/pose-peer.mjs); y-websocket clients send awareness
// updates to their room (lib/awareness-peer.mjs). The clients are spread over `parts` load generator
// processes (lib/presence-part.mjs), whole rooms each, so that the load generator is not the bottleneck;
// this process only coordinates and reads the server's CPU over the same window. Reported: delivery latency
// p50/p95/p99/max (an undelivered record counts as slower than any delivered one), deliveries/s, server CPU
// (and Postgres + Redis for cairn-pg), every load generator process's CPU, and bytes per pose update: the
// WebSocket payload and what the sockets read and wrote (payload plus WebSocket framing).
import { fork } from 'node:child_process';
import { cpuWindow } from '../lib/proc.mjs';
import { quantile, sleep } from '../lib/stats.mjs';

function startPart() {
  // PRESENCE_PART_FLAGS: node flags for the parts, e.g. '--cpu-prof --cpu-prof-dir=/tmp/prof' to profile them.
  const execArgv = process.env.PRESENCE_PART_FLAGS?.split(' ').filter(Boolean) ?? [];
  const child = fork(new URL('../lib/presence-part.mjs', import.meta.url), [], { execArgv, serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const waiting = [];
  child.on('message', (m) => waiting.shift()?.(m));
  child.on('exit', (code) => {
    for (const w of waiting.splice(0)) w({ error: `load generator part exited with ${code}` });
  });
  return {
    child,
    ask(msg) {
      return new Promise((resolve, reject) => {
        waiting.push((m) => (m.error ? reject(new Error(m.error)) : resolve(m)));
        child.send(msg);
      });
    },
  };
}

/** Merges sorted Float64Arrays. */
function mergeSorted(arrays) {
  const total = arrays.reduce((a, s) => a + s.length, 0);
  const out = new Float64Array(total);
  let at = 0;
  for (const s of arrays) {
    out.set(s, at);
    at += s.length;
  }
  return out.sort();
}

/** WebSocket frame header bytes for a payload of `n` bytes (RFC 6455; client frames carry a 4-byte mask). */
export const frameHeader = (n, masked) => (n < 126 ? 2 : n < 65536 ? 4 : 10) + (masked ? 4 : 0);

export async function presence(target, o) {
  const kind = target.cairn ? 'cairn' : 'y';
  const rooms = Math.ceil(o.clients / o.roomSize);
  const parts = Array.from({ length: Math.min(o.parts, rooms) }, startPart);
  try {
    const opened = await Promise.all(parts.map((p, k) => p.ask({
      cmd: 'open', kind, target, roomSize: o.roomSize,
      rooms: Array.from({ length: rooms }, (_, r) => r).filter((r) => r % parts.length === k),
    })));
    await sleep(500);
    const measureFrom = Date.now() + 200 + o.warmupMs;
    const measureTo = measureFrom + o.windowMs;
    const results = parts.map((p) => p.ask({ cmd: 'phase', hz: o.hz, measureFrom, measureTo, graceMs: o.graceMs }));
    await sleep(measureFrom - Date.now());
    const meter = cpuWindow(target.pids ?? target.pid, { services: target.services });
    const self0 = process.cpuUsage();
    await sleep(measureTo - Date.now());
    const cpu = meter();
    const selfCpu = process.cpuUsage(self0);
    const per = await Promise.all(results);
    const sum = (k) => per.reduce((a, r) => a + r[k], 0);
    const sends = sum('sends');
    const expected = sum('expected');
    const delivered = sum('delivered');
    const missing = expected - delivered;
    const sorted = mergeSorted(per.map((r) => r.samples));
    const q = (p) => {
      const rank = Math.ceil(p * expected) - 1;
      return rank >= sorted.length ? Infinity : sorted[Math.max(rank, 0)];
    };
    const w = cpu.wallSeconds;
    const upPayload = sum('upPayload');
    const downPayload = sum('downPayload');
    const echoes = sum('echoes');
    const written = per.reduce((a, r) => a + r.socketBytes.written, 0);
    const read = per.reduce((a, r) => a + r.socketBytes.read, 0);
    const upPerPose = upPayload / sends;
    const downPerMessage = downPayload / delivered;
    const partCpu = per.map((r) => (100 * r.cpuSeconds) / w);
    return {
      kind,
      clients: sum('clients'),
      closed: sum('closed'),
      opened: opened.map((x) => x.clients),
      rooms,
      hz: o.hz,
      parts: parts.length,
      offeredPosesPerSec: o.clients * o.hz,
      sends,
      sentPerSec: sends / w,
      expected,
      delivered,
      missing,
      deliveredPerSec: delivered / w,
      echoes,
      p50: q(0.5),
      p95: q(0.95),
      p99: q(0.99),
      max: missing > 0 ? Infinity : quantile(sorted, 1),
      skipped: sum('skipped'),
      // Latency at every percentile (and 99.5, 99.9) for the distribution plot.
      cdf: [...Array.from({ length: 99 }, (_, i) => (i + 1) / 100), 0.995, 0.999].map((p) => [p, q(p)]),
      cpu,
      serverCpuPercent: (100 * cpu.serverSeconds) / w,
      servicesCpuPercent: (100 * cpu.servicesSeconds) / w,
      serverCpuUsPerDelivered: delivered ? (cpu.serverSeconds * 1e6) / delivered : NaN,
      serverCpuUsPerPose: sends ? (cpu.serverSeconds * 1e6) / sends : NaN,
      loadgenCpuPercent: partCpu.reduce((a, b) => a + b, 0) + (100 * (selfCpu.user + selfCpu.system)) / 1e6 / w,
      loadgenCpuPercentByPart: partCpu,
      bytes: {
        // One pose update: the sender's message, and what each receiver gets.
        upPayload: upPerPose,
        upWithFraming: upPerPose + frameHeader(upPerPose, true),
        downPayload: downPerMessage,
        downWithFraming: downPerMessage + frameHeader(downPerMessage, false),
        // Everything on the wire for one pose update in a room: the send, every delivery, and (y-websocket)
        // the echo to the sender; from the sockets' own byte counters over the window (framing included).
        echoesPerPose: echoes / sends,
        socketWrittenPerPose: written / sends,
        socketReadPerPose: read / sends,
        wirePerPose: (written + read) / sends,
      },
    };
  } finally {
    await Promise.all(parts.map((p) => p.ask({ cmd: 'close' }).catch(() => {})));
    for (const p of parts) if (p.child.exitCode === null) p.child.kill();
  }
}
