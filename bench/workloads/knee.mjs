// (2) Throughput knee: the fan-out setup at rising rates until p99 passes the limit. The knee is the
// highest offered rate whose p99 stayed within it.
import { createFanoutRig } from '../lib/fanout-phase.mjs';
import { sleep } from '../lib/stats.mjs';

export async function knee(target, o) {
  const rig = await createFanoutRig(target, { clients: o.clients, roomSize: o.roomSize, roomPrefix: 'knee' });
  const steps = [];
  let kneeRate = 0;
  try {
    for (const hz of o.steps) {
      const step = await rig.phase({ hz, warmupMs: o.warmupMs, windowMs: o.windowMs, graceMs: 1500 });
      steps.push(step);
      if (!(step.p99 <= o.p99LimitMs)) break;
      kneeRate = step.sentPerSec;
      await sleep(300);
    }
  } finally {
    rig.close();
  }
  return { kneeUpdatesPerSec: kneeRate, p99LimitMs: o.p99LimitMs, steps };
}
