// (7) Peer team: the outside peer run's first workload. 500 clients in 50 rooms of 10, each setting its own
// key of a shared Y.Map('poses') to a 9-number pose (lib/pose-writer.mjs, shape 'peer9') twice a second:
// 1,000 updates/s, 9,000 deliveries/s, open loop, each client's phase drawn from a seeded PRNG (SEED= to
// reproduce; the seed is printed and kept in the result). Latency from send to every other member of the
// room, p50/p95/p99; server CPU and machine-wide CPU (server + Postgres + Redis) per delivered update.
// It is also the row of the target "fan-out p50 ≤ 3 ms at 1,000 updates/s".
import { createFanoutRig } from '../lib/fanout-phase.mjs';
import { cacheRatios, scrapeCacheLookups } from '../lib/stall-watch.mjs';

/**
 * The phases' seed: the one run.mjs drew for the whole run (every server gets the same phases), else SEED=,
 * else a fresh one; printed either way so a run can be repeated.
 */
export function peerSeed(workload, o) {
  const seed = o.seed ?? (process.env.SEED ? Number(process.env.SEED) : Math.floor(Math.random() * 2 ** 31));
  console.log(`[${workload}] SEED=${seed}`);
  return seed;
}

export async function peerTeam(target, o) {
  const seed = peerSeed('peer-team', o);
  const lookups = await scrapeCacheLookups(target.metricsUrl);
  const rig = await createFanoutRig(target, { clients: o.clients, roomSize: o.roomSize, roomPrefix: 'peer-team', shape: 'peer9', seed });
  try {
    const result = await rig.phase({ hz: o.hz, warmupMs: o.warmupMs, windowMs: o.windowMs, graceMs: o.graceMs });
    return { seed, ...result, cache: cacheRatios(lookups, await scrapeCacheLookups(target.metricsUrl)) };
  } finally {
    rig.close();
  }
}
