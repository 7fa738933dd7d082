// The load generator: one process, separate from every server, forked by run.mjs once per workload and
// server. It gets { workload, target, options } over IPC, runs it, and sends back the result.
import { fanout } from './workloads/fanout.mjs';
import { knee } from './workloads/knee.mjs';
import { idle } from './workloads/idle.mjs';
import { join } from './workloads/join.mjs';
import { durable } from './workloads/durable.mjs';
import { reconnect } from './workloads/reconnect.mjs';
import { presence } from './workloads/presence.mjs';
import { team } from './workloads/team.mjs';
import { peerTeam } from './workloads/peer-team.mjs';
import { peerKnee } from './workloads/peer-knee.mjs';

const WORKLOADS = { fanout, knee, idle, join, durable, reconnect, presence, team, 'peer-team': peerTeam, 'peer-knee': peerKnee };

process.once('message', async ({ workload, target, options }) => {
  try {
    const result = await WORKLOADS[workload](target, options);
    process.send({ ok: true, result }, () => process.exit(0));
  } catch (err) {
    process.send({ ok: false, error: err instanceof Error ? err.stack : String(err) }, () => process.exit(1));
  }
});
