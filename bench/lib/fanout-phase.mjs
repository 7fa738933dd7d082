// The fan-out engine shared by the fan-out, knee, team and peer workloads: N clients in rooms of
// `roomSize`, each a real Yjs doc that sends a small pose update at a fixed rate (open loop). Every
// receiver timestamps what arrives; latency is receive time minus send time, both from this process's
// clock, for every (update, receiver) pair. Sockets the server closes are reopened (lib/rig.mjs) and
// counted, with Cairn's refusal counters, per phase (lib/stall-watch.mjs).
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createPoseWriter, readUpdateIds } from './pose-writer.mjs';
import { openYClients, closeAll } from './rig.mjs';
import { cpuWindow } from './proc.mjs';
import { createSamples, sleep } from './stats.mjs';
import { createSocketLog, metricsDelta, scrapeMetrics } from './stall-watch.mjs';
import { prng } from '../spatial/prng.mjs';

const SYNC_UPDATE = 2; // y-protocols: a sync message's update sub-type (a resync's step 2 is not a delivery)

/**
 * `shape`: the pose update (lib/pose-writer.mjs). Phases: with `seed`, each client's send phase within
 * the period is drawn once from a seeded PRNG (random, reproducible; the same fraction of the period at
 * every rate); without, the phases are spread evenly over the period.
 */
export async function createFanoutRig(target, { clients: count, roomSize, roomPrefix, shape = 'pq', seed = null }) {
  // update id -> { t, client, seen: a bit per member of the room that got it }; kept to the phase's end, so a
  // copy that comes after every receiver had the update is still seen as a duplicate
  const inflight = new Map();
  let samples = createSamples();
  let delivered = 0;
  let duplicates = 0;
  /** Stall hunting: the worst latency of the updates sent in each 250 ms of the measured window. */
  const BUCKET_MS = 250;
  let windowStart = 0;
  let worst = [];
  const writers = [];
  const onUpdate = (writer) => (bytes, at, sub) => {
    if (sub === SYNC_UPDATE) readUpdateIds(bytes, (id) => received(writer, id, at));
  };
  const received = (writer, id, at) => {
    const rec = inflight.get(id);
    if (!rec || rec.client === writer.clientID) return; // not measured, or the echo to its own sender
    // A receiver that gets an update again (a server's repair or resync resending it) is counted apart:
    // as a delivery it would inflate delivered/s and end the record before the others' copies arrived.
    const bit = 1 << writer.slot;
    if (rec.seen & bit) {
      duplicates++;
      return;
    }
    rec.seen |= bit;
    samples.push(at - rec.t);
    const b = Math.floor((rec.t - windowStart) / BUCKET_MS);
    if (b >= 0) worst[b] = Math.max(worst[b] ?? 0, at - rec.t);
    delivered++;
  };
  const sockets = createSocketLog();
  const clients = await openYClients(target, count, (i) => {
    const writer = createPoseWriter(1000 + i, { shape });
    writer.slot = i % roomSize;
    writers.push(writer);
    return { room: `${roomPrefix}-${Math.floor(i / roomSize)}`, doc: writer.doc, onUpdate: onUpdate(writer) };
  }, { keep: sockets });
  const random = seed === null ? null : prng(seed);
  const phaseOf = writers.map((_, i) => (random ? random.next() : i / writers.length));

  /**
   * One phase at `hz` per client: `warmupMs` unmeasured, then `windowMs` whose sends are measured, then up
   * to `graceMs` for their deliveries. Server CPU is read over the measured window; closes, reconnects
   * and Cairn's refusal counters over the whole phase (warm-up and grace included).
   */
  async function phase({ hz, warmupMs, windowMs, graceMs = 2000 }) {
    const period = 1000 / hz;
    const metricsBefore = await scrapeMetrics(target.metricsUrl);
    sockets.take();
    const start = performance.now();
    const next = phaseOf.map((f) => start + f * period);
    let measuring = false;
    let sends = 0;
    let skipped = 0;
    samples = createSamples();
    delivered = 0;
    duplicates = 0;
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
          inflight.set(id, { t: performance.now(), client: writers[i].clientID, seen: 0 });
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
    const downAtEnd = clients.filter((c) => !c.open).length;
    const socketCounts = { ...sockets.take(), downAtEnd };
    const serverMetrics = metricsDelta(metricsBefore, await scrapeMetrics(target.metricsUrl));
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
      duplicates,
      deliveredPerSec: delivered / cpu.wallSeconds,
      p50: q(0.5),
      p95: q(0.95),
      p99: q(0.99),
      max: missing > 0 ? Infinity : sorted[sorted.length - 1],
      skipped,
      cpu,
      serverCpuUsPerDelivered: delivered ? (cpu.serverSeconds * 1e6) / delivered : NaN,
      servicesCpuUsPerDelivered: delivered ? (cpu.servicesSeconds * 1e6) / delivered : NaN,
      // Machine-wide for the server: its own CPU plus every postgres and redis-server process (Cairn on
      // Postgres + Redis; the others use neither, so it equals their own).
      machineCpuUsPerDelivered: delivered ? ((cpu.serverSeconds + cpu.servicesSeconds) * 1e6) / delivered : NaN,
      serverCpuPercent: (100 * cpu.serverSeconds) / cpu.wallSeconds,
      servicesCpuPercent: (100 * cpu.servicesSeconds) / cpu.wallSeconds,
      loadgenCpuPercent: (100 * cpu.loadgenSeconds) / cpu.wallSeconds,
      // Everything else the machine ran in the window (other users' work): how noisy the reading is.
      otherCpuPercent: (100 * Math.max(0, cpu.machineSeconds - cpu.serverSeconds - cpu.servicesSeconds - cpu.loadgenSeconds)) / cpu.wallSeconds,
      sockets: socketCounts,
      serverMetrics,
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
