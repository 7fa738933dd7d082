// (5) Durable writes, Cairn only (the peers have no durable ack): writers on the native protocol, each on
// a doc of its own that it subscribes to, push pose updates and count acks (an ack = committed in the
// Store, A1). A closed loop (each writer keeps `window` pushes in flight) for the most updates committed
// per second, then open loops at a fixed offered rate and at half of it, for the ack latency there.
import { connectNative } from '../lib/native-client.mjs';
import { createPoseWriter } from '../lib/pose-writer.mjs';
import { cpuWindow } from '../lib/proc.mjs';
import { createSamples, summarize, sleep } from '../lib/stats.mjs';

async function openWriters(target, count, prefix) {
  const writers = [];
  for (let i = 0; i < count; i++) {
    const w = { seq: 0, sentAt: new Map(), acked: 0, samples: null, onAck: null, pose: createPoseWriter(3000 + i), doc: `bench/${prefix}-${i}` };
    w.client = connectNative({
      url: target.nativeUrl,
      onAck: (seq, at) => {
        // An ack covers every seq up to it (A1).
        for (let s = w.acked + 1; s <= seq; s++) {
          const t = w.sentAt.get(s);
          if (t !== undefined) {
            w.samples?.push(at - t);
            w.sentAt.delete(s);
          }
        }
        w.acked = Math.max(w.acked, seq);
        w.onAck?.();
      },
      onReject: (f) => {
        w.rejected = f;
      },
    });
    writers.push(w);
  }
  await Promise.all(writers.map(async (w) => {
    await w.client.ready;
    await w.client.sub(w.doc);
  }));
  return writers;
}

function push(w) {
  const seq = ++w.seq;
  w.sentAt.set(seq, performance.now());
  w.client.push(w.doc, seq, w.pose.next().update);
}

async function closedLoop(target, writers, { window, ms }) {
  const samples = createSamples();
  let running = true;
  for (const w of writers) {
    w.samples = samples;
    w.onAck = () => {
      while (running && w.seq - w.acked < window) push(w);
    };
  }
  const start = writers.map((w) => w.acked);
  const meter = cpuWindow(target.pid, { services: target.services });
  for (const w of writers) w.onAck();
  await sleep(ms);
  running = false;
  const cpu = meter();
  const committed = writers.reduce((a, w, i) => a + w.acked - start[i], 0);
  await drain(writers);
  return { committedPerSec: committed / cpu.wallSeconds, ack: summarize(samples), cpu, serverCpuUsPerCommit: (cpu.serverSeconds * 1e6) / committed };
}

async function openLoop(target, writers, { rate, ms }) {
  const samples = createSamples();
  for (const w of writers) {
    w.samples = samples;
    w.onAck = null;
  }
  const perWriter = rate / writers.length;
  const period = 1000 / perWriter;
  const t0 = performance.now();
  const next = writers.map((_, i) => t0 + (i / writers.length) * period);
  const start = writers.map((w) => w.acked);
  let sent = 0;
  const meter = cpuWindow(target.pid, { services: target.services });
  const timer = setInterval(() => {
    const now = performance.now();
    writers.forEach((w, i) => {
      while (next[i] <= now) {
        next[i] += period;
        push(w);
        sent++;
      }
    });
  }, 1);
  await sleep(ms);
  clearInterval(timer);
  const cpu = meter();
  const committed = writers.reduce((a, w, i) => a + w.acked - start[i], 0);
  const late = await drain(writers);
  return { offeredPerSec: rate, sentPerSec: sent / cpu.wallSeconds, committedPerSec: committed / cpu.wallSeconds, ack: summarize(samples), unacked: late, cpu };
}

/** Waits (up to 10 s) for every push to be acked; returns how many were not. */
async function drain(writers) {
  const deadline = performance.now() + 10_000;
  while (writers.some((w) => w.acked < w.seq) && performance.now() < deadline) await sleep(20);
  return writers.reduce((a, w) => a + (w.seq - w.acked), 0);
}

export async function durable(target, o) {
  if (!target.cairn) return null;
  const writers = await openWriters(target, o.writers, 'durable');
  try {
    await closedLoop(target, writers, { window: o.window, ms: o.warmupMs }); // warm-up: JIT, pool, rooms
    const max = await closedLoop(target, writers, { window: o.window, ms: o.ms });
    const fixed = await openLoop(target, writers, { rate: o.rate, ms: o.ms });
    // The same below saturation, for the ack latency of a server that keeps up.
    const half = await openLoop(target, writers, { rate: o.rate / 2, ms: o.ms });
    const rejected = writers.find((w) => w.rejected)?.rejected ?? null;
    return { writers: o.writers, max, fixed, half, rejected };
  } finally {
    for (const w of writers) w.client.close();
  }
}
