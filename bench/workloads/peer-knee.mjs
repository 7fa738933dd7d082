// (8) Peer ramp knee: the outside peer run's second workload. 20 rooms of 10 clients (200), the peer-team
// update (a 9-number pose in the client's own key of Y.Map('poses'), random seeded phase), the rate per
// client ramped through `steps`. The knee is the highest DELIVERED/s (deliveries to receivers per second)
// of a step whose p99 stayed ≤ the limit, an undelivered update counting as late: the peer run's
// definition. The ramp goes on past a failing step: on a shared machine a step fails as often because
// another process took the cores for a second (p99 over the limit, every update still delivered) as
// because the server saturated. It stops after `stopAfter` saturated steps in a row (more than a tenth
// of the deliveries missing after the grace time: a standing backlog, which spoils every step after it).
import { createFanoutRig } from '../lib/fanout-phase.mjs';
import { sleep } from '../lib/stats.mjs';
import { waitIdle } from '../lib/proc.mjs';
import { peerSeed } from './peer-team.mjs';

export async function peerKnee(target, o) {
  const seed = peerSeed('peer-knee', o);
  const rig = await createFanoutRig(target, { clients: o.rooms * o.roomSize, roomSize: o.roomSize, roomPrefix: 'peer-knee', shape: 'peer9', seed });
  const steps = [];
  let knee = null;
  let saturated = 0;
  try {
    for (const hz of o.steps) {
      const step = await rig.phase({ hz, warmupMs: o.warmupMs, windowMs: o.windowMs, graceMs: o.graceMs });
      steps.push(step);
      if (step.p99 <= o.p99LimitMs && (!knee || step.deliveredPerSec > knee.deliveredPerSec)) knee = step;
      saturated = step.missing > 0.1 * step.expected ? saturated + 1 : 0;
      if (saturated >= o.stopAfter) break;
      await (step.missing > 0 ? waitIdle(target.pid, 5000) : sleep(300)); // a step's backlog stays out of the next
    }
  } finally {
    rig.close();
  }
  return {
    seed,
    p99LimitMs: o.p99LimitMs,
    kneeHz: knee?.hz ?? 0,
    kneeDeliveredPerSec: knee?.deliveredPerSec ?? 0,
    kneeUpdatesPerSec: knee?.sentPerSec ?? 0,
    steps,
  };
}
