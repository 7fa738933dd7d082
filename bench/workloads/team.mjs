// The team workload: 500 clients in groups of 10, each group on one doc, every client sending a pose update
// twice a second (1,000 updates/s, 9,000 deliveries/s), open loop. On Cairn the clients speak the native
// protocol (/v1/sync): ack latency (send → ack, A1: committed) and delivery latency (send → each of the 9
// other members of the group). On a peer without a durable ack (y-websocket) the same group layout runs
// through the fan-out rig: delivery latency only. Server CPU over the window (every thread of the process,
// so an embedded database's worker is counted) and server RSS sampled through it.
import { connectNative } from '../lib/native-client.mjs';
import { createPoseWriter, readUpdateId } from '../lib/pose-writer.mjs';
import { createFanoutRig } from '../lib/fanout-phase.mjs';
import { cpuWindow, rssBytes } from '../lib/proc.mjs';
import { createSamples, quantile, sleep } from '../lib/stats.mjs';

async function openTeam(target, { clients: count, groupSize, prefix }, onAck, onUpdate) {
  const members = [];
  for (let i = 0; i < count; i++) {
    const m = { i, seq: 0, acked: 0, sentAt: new Map(), pose: createPoseWriter(5000 + i), doc: `bench/${prefix}-${Math.floor(i / groupSize)}`, rejected: 0 };
    m.client = connectNative({
      url: target.nativeUrl,
      onAck: (seq, at) => onAck(m, seq, at),
      onUpdate: (_doc, update, at) => onUpdate(m, update, at),
      onReject: () => {
        m.rejected++;
      },
    });
    members.push(m);
  }
  // In batches: 500 handshakes at once would measure the server's accept queue, not the workload.
  for (let start = 0; start < count; start += 100) {
    await Promise.all(members.slice(start, start + 100).map(async (m) => {
      await m.client.ready;
      await m.client.sub(m.doc);
    }));
  }
  return members;
}

/** Samples the server's RSS every 250 ms until stopped; returns the readings' max and last. */
function rssMeter(pid) {
  let max = 0;
  let lastRss = 0;
  const read = () => {
    lastRss = rssBytes(pid);
    max = Math.max(max, lastRss);
  };
  read();
  const timer = setInterval(read, 250);
  return () => {
    clearInterval(timer);
    read();
    return { maxBytes: max, lastBytes: lastRss };
  };
}

function quantiles(samples, expected) {
  const sorted = samples.sorted();
  // Undelivered (or unacked) ones count as slower than anything that arrived.
  const q = (p) => {
    const rank = Math.ceil(p * expected) - 1;
    return rank >= sorted.length ? Infinity : sorted[Math.max(rank, 0)];
  };
  return { count: sorted.length, expected, p50: q(0.5), p95: q(0.95), p99: q(0.99), max: sorted.length < expected ? Infinity : quantile(sorted, 1) };
}

async function nativeTeam(target, o) {
  const inflight = new Map(); // update id → { t, sender, remaining }
  let measuring = false;
  let acks = createSamples();
  let deliveries = createSamples();
  const members = await openTeam(target, { ...o, prefix: 'team' }, (m, seq, at) => {
    // An ack covers every seq up to it (A1).
    for (let s = m.acked + 1; s <= seq; s++) {
      const t = m.sentAt.get(s);
      if (t !== undefined) {
        acks.push(at - t);
        m.sentAt.delete(s);
      }
    }
    m.acked = Math.max(m.acked, seq);
  }, (m, update, at) => {
    const id = readUpdateId(update);
    const rec = inflight.get(id);
    if (!rec || rec.sender === m.i) return;
    deliveries.push(at - rec.t);
    if (--rec.remaining === 0) inflight.delete(id);
  });
  const period = 1000 / o.hz;
  const start = performance.now();
  const next = members.map((_, i) => start + (i / members.length) * period);
  let sends = 0;
  let skipped = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    for (let i = 0; i < members.length; i++) {
      if (next[i] > now) continue;
      if (now - next[i] > 5 * period) {
        skipped++; // the load generator fell behind: drop the backlog rather than burst
        next[i] = now;
      }
      next[i] += period;
      const m = members[i];
      const seq = ++m.seq;
      const { update, id } = m.pose.next();
      if (measuring) {
        m.sentAt.set(seq, performance.now());
        inflight.set(id, { t: performance.now(), sender: i, remaining: o.groupSize - 1 });
        sends++;
      } else m.sentAt.delete(seq);
      m.client.push(m.doc, seq, update);
    }
  }, 1);
  try {
    await sleep(o.warmupMs);
    acks = createSamples();
    deliveries = createSamples();
    measuring = true;
    const cpu = cpuWindow(target.pid, { services: target.services });
    const rss = rssMeter(target.pid);
    await sleep(o.windowMs);
    measuring = false;
    const cpuUsed = cpu();
    const mem = rss();
    clearInterval(timer);
    const expectedDeliveries = sends * (o.groupSize - 1);
    const graceEnd = performance.now() + o.graceMs;
    while ((acks.length < sends || deliveries.length < expectedDeliveries) && performance.now() < graceEnd) await sleep(20);
    return {
      protocol: 'native',
      sends,
      sentPerSec: sends / cpuUsed.wallSeconds,
      skipped,
      ack: quantiles(acks, sends),
      delivery: quantiles(deliveries, expectedDeliveries),
      deliveredPerSec: deliveries.length / cpuUsed.wallSeconds,
      rejected: members.reduce((a, m) => a + m.rejected, 0),
      cpu: cpuUsed,
      serverCpuPercent: (100 * cpuUsed.serverSeconds) / cpuUsed.wallSeconds,
      servicesCpuPercent: (100 * cpuUsed.servicesSeconds) / cpuUsed.wallSeconds,
      loadgenCpuPercent: (100 * cpuUsed.loadgenSeconds) / cpuUsed.wallSeconds,
      rss: mem,
    };
  } finally {
    clearInterval(timer);
    for (const m of members) m.client.close();
  }
}

async function yTeam(target, o) {
  const rig = await createFanoutRig(target, { clients: o.clients, roomSize: o.groupSize, roomPrefix: 'team' });
  try {
    const rss = rssMeter(target.pid);
    const r = await rig.phase({ hz: o.hz, warmupMs: o.warmupMs, windowMs: o.windowMs, graceMs: o.graceMs });
    return {
      protocol: 'y',
      sends: r.sends,
      sentPerSec: r.sentPerSec,
      skipped: r.skipped,
      ack: null,
      delivery: { count: r.delivered, expected: r.expected, p50: r.p50, p95: r.p95, p99: r.p99, max: r.max },
      deliveredPerSec: r.deliveredPerSec,
      rejected: 0,
      cpu: r.cpu,
      serverCpuPercent: r.serverCpuPercent,
      servicesCpuPercent: 0,
      loadgenCpuPercent: r.loadgenCpuPercent,
      rss: rss(),
    };
  } finally {
    rig.close();
  }
}

export async function team(target, o) {
  return target.cairn ? nativeTeam(target, o) : yTeam(target, o);
}
