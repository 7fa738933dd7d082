// (8) Peer ramp knee: the outside peer run's second workload. 20 rooms of 10 clients (200), the peer-team
// update (a 9-number pose in the client's own key of Y.Map('poses'), random seeded phase), the rate per
// client ramped through `steps`. The knee is the highest DELIVERED/s (deliveries to receivers per second)
// of a step whose p99 stayed ≤ the limit, an undelivered update counting as late: the peer run's
// definition. The ramp goes on past a failing step (a noisy step does not end it) and stops after
// `stopAfter` failing steps in a row, since a saturated server's backlog spoils every step after it.
import { createFanoutRig } from '../lib/fanout-phase.mjs';
import { sleep } from '../lib/stats.mjs';
import { peerSeed } from './peer-team.mjs';

export async function peerKnee(target, o) {
  const seed = peerSeed('peer-knee', o);
  const rig = await createFanoutRig(target, { clients: o.rooms * o.roomSize, roomSize: o.roomSize, roomPrefix: 'peer-knee', shape: 'peer9', seed });
  const steps = [];
  let knee = null;
  let failing = 0;
  try {
    for (const hz of o.steps) {
      const step = await rig.phase({ hz, warmupMs: o.warmupMs, windowMs: o.windowMs, graceMs: o.graceMs });
      steps.push(step);
      if (step.p99 <= o.p99LimitMs) {
        failing = 0;
        if (!knee || step.deliveredPerSec > knee.deliveredPerSec) knee = step;
      } else if (++failing >= o.stopAfter) break;
      await sleep(300);
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
