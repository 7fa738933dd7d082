// The fan-out engine shared by workloads 1 and 2: N clients in rooms of `roomSize`, each a real Yjs doc
// that sends a small pose update at a fixed rate (open loop, phases staggered over the period). Every
// receiver timestamps what arrives; latency is receive time minus send time, both from this process's
// clock, for every (update, receiver) pair.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createPoseWriter, readUpdateIds } from './pose-writer.mjs';
import { openYClients, closeAll } from './rig.mjs';
import { cpuWindow } from './proc.mjs';
import { createSamples, sleep } from './stats.mjs';

export async function createFanoutRig(target, { clients: count, roomSize, roomPrefix }) {
  const inflight = new Map(); // update id -> { t, client, remaining }
  let samples = createSamples();
  let delivered = 0;
  /** Stall hunting: the worst latency of the updates sent in each 250 ms of the measured window. */
  const BUCKET_MS = 250;
  let windowStart = 0;
  let worst = [];
  const writers = [];
  const onUpdate = (writer) => (bytes, at) => readUpdateIds(bytes, (id) => received(writer, id, at));
  const received = (writer, id, at) => {
    const rec = inflight.get(id);
    if (!rec || rec.client === writer.clientID) return; // not measured, or the echo to its own sender
    samples.push(at - rec.t);
    const b = Math.floor((rec.t - windowStart) / BUCKET_MS);
    if (b >= 0) worst[b] = Math.max(worst[b] ?? 0, at - rec.t);
    delivered++;
    if (--rec.remaining === 0) inflight.delete(id);
  };
  const clients = await openYClients(target, count, (i) => {
    const writer = createPoseWriter(1000 + i);
    writers.push(writer);
    return { room: `${roomPrefix}-${Math.floor(i / roomSize)}`, doc: writer.doc, onUpdate: onUpdate(writer) };
  });

  /**
   * One phase at `hz` per client: `warmupMs` unmeasured, then `windowMs` whose sends are measured, then up
   * to `graceMs` for their deliveries. Server CPU is read over the measured window.
   */
  async function phase({ hz, warmupMs, windowMs, graceMs = 2000 }) {
    const period = 1000 / hz;
    const start = performance.now();
    const next = writers.map((_, i) => start + (i / writers.length) * period);
    let measuring = false;
    let sends = 0;
    let skipped = 0;
    samples = createSamples();
    delivered = 0;
    worst = [];
    // This process's own event loop: a stall here delays every receive timestamp, whatever the server does.
    const loop = monitorEventLoopDelay({ resolution: 5 });
    const tick = () => {
      const now = performance.now();
      for (let i = 0; i < writers.length; i++) {
        if (next[i] > now) continue;
        if (now - next[i] > 5 * period) {
          skipped++; // the load generator fell behind: drop the backlog rather than burst
          next[i] = now;
        }
        next[i] += period;
        const { update, id } = writers[i].next();
        if (measuring) {
          inflight.set(id, { t: performance.now(), client: writers[i].clientID, remaining: roomSize - 1 });
          sends++;
        }
        clients[i].sendUpdate(update);
      }
    };
    const timer = setInterval(tick, 1);
    await sleep(warmupMs);
    windowStart = performance.now();
    loop.enable();
    measuring = true;
    const meter = cpuWindow(target.pid, { services: target.services });
    await sleep(windowMs);
    measuring = false;
    loop.disable();
    const cpu = meter();
    clearInterval(timer);
    const expected = sends * (roomSize - 1);
    const graceEnd = performance.now() + graceMs;
    while (delivered < expected && performance.now() < graceEnd) await sleep(20);
    const missing = expected - delivered;
    const sorted = samples.sorted();
    // Undelivered pairs count as slower than anything delivered.
    const q = (p) => {
      const rank = Math.ceil(p * expected) - 1;
      return rank >= sorted.length ? Infinity : sorted[Math.max(rank, 0)];
    };
    inflight.clear();
    return {
      hz,
      offeredUpdatesPerSec: writers.length * hz,
      sends,
      sentPerSec: sends / cpu.wallSeconds,
      expected,
      delivered,
      missing,
      deliveredPerSec: delivered / cpu.wallSeconds,
      p50: q(0.5),
      p95: q(0.95),
      p99: q(0.99),
      max: missing > 0 ? Infinity : sorted[sorted.length - 1],
      skipped,
      cpu,
      serverCpuUsPerDelivered: delivered ? (cpu.serverSeconds * 1e6) / delivered : NaN,
      servicesCpuUsPerDelivered: delivered ? (cpu.servicesSeconds * 1e6) / delivered : NaN,
      serverCpuPercent: (100 * cpu.serverSeconds) / cpu.wallSeconds,
      loadgenCpuPercent: (100 * cpu.loadgenSeconds) / cpu.wallSeconds,
      loadgenLoopDelayMaxMs: loop.max / 1e6,
      loadgenLoopDelayP99Ms: loop.percentile(99) / 1e6,
      worstMsBySendQuarterSecond: Array.from({ length: Math.ceil(windowMs / BUCKET_MS) }, (_, i) => Math.round(worst[i] ?? 0)),
    };
  }

  return {
    phase,
    close: () => closeAll(clients),
  };
}
