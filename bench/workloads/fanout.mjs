// (1) Fan-out: clients in rooms of 10, each sending a small pose update at a fixed rate; latency from send
// to every receiver (p50/p95/p99) and server CPU per delivered update.
import { createFanoutRig } from '../lib/fanout-phase.mjs';
import { cacheRatios, scrapeCacheLookups } from '../lib/stall-watch.mjs';

export async function fanout(target, o) {
  const lookups = await scrapeCacheLookups(target.metricsUrl);
  const rig = await createFanoutRig(target, { clients: o.clients, roomSize: o.roomSize, roomPrefix: 'fanout' });
  try {
    const result = await rig.phase({ hz: o.hz, warmupMs: o.warmupMs, windowMs: o.windowMs });
    return { ...result, cache: cacheRatios(lookups, await scrapeCacheLookups(target.metricsUrl)) };
  } finally {
    rig.close();
  }
}
