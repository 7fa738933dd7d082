// The per-phase parts of RESULTS.md: every step of the peer ramp side by side, and a line for each fan-out
// phase in which the server closed sockets or refused or dropped something (stall hunting,
// lib/stall-watch.mjs).
import { median } from './stats.mjs';
import { stallLine } from './stall-watch.mjs';
import { SHORT, num } from './report-format.mjs';

/** A block of the load generator's event loop this long is reported: every timestamp behind it is late. */
const BLOCKED_MS = 100;

/** The workloads made of fan-out phases: one phase each, or `steps`. */
const PHASED = ['fanout', 'knee', 'peer-team', 'peer-knee'];

/** Medians over the runs that reached a step, of `get(step)`. */
function stepMedian(results, server, hz, get) {
  return median(results.runs.map((run) => run.servers[server]?.['peer-knee']?.steps?.find((s) => s.hz === hz)).filter(Boolean).map(get));
}

/**
 * The peer ramp step by step: per server, p99, delivered/s, and CPU per delivered update (the server's own,
 * and machine-wide for Cairn on Postgres + Redis), each the median over the runs that reached the step.
 */
export function peerRampTable(results, servers) {
  const c = results.config['peer-knee'];
  const reached = (s, hz) => results.runs.some((run) => run.servers[s]?.['peer-knee']?.steps?.some((st) => st.hz === hz));
  const out = [
    `Every step of the peer ramp: p99 (ms) · delivered/s · server CPU per delivered update (µs)${servers.includes('cairn-pg') ? ', for Cairn PG+Redis also machine-wide (server + Postgres + Redis)' : ''} · other processes' CPU in the window (% of one core; the machine has 200: a high figure marks a step another user's work may have failed); a cell is empty after the ramp stopped. **Bold**: p99 over ${c.p99LimitMs} ms.`,
    '',
    `| updates/s per client | offered deliveries/s | ${servers.map((s) => SHORT[s]).join(' | ')} |`,
    `|---:|---:|${servers.map(() => '---|').join('')}`,
  ];
  for (const hz of c.steps) {
    if (!servers.some((s) => reached(s, hz))) continue;
    const cells = servers.map((s) => {
      if (!reached(s, hz)) return '';
      const p99 = stepMedian(results, s, hz, (st) => (st.p99 === Infinity ? Number.MAX_VALUE : st.p99));
      const p99Text = p99 === Number.MAX_VALUE ? '∞' : num(p99, 1);
      const cpu = num(stepMedian(results, s, hz, (st) => st.serverCpuUsPerDelivered), 1);
      const machine = s === 'cairn-pg' ? ` / ${num(stepMedian(results, s, hz, (st) => st.machineCpuUsPerDelivered), 1)}` : '';
      const other = num(stepMedian(results, s, hz, (st) => st.otherCpuPercent), 0);
      return `${p99 > c.p99LimitMs ? `**${p99Text}**` : p99Text} · ${num(stepMedian(results, s, hz, (st) => st.deliveredPerSec), 0)}/s · ${cpu}${machine} µs · other ${other}%`;
    });
    out.push(`| ${hz} | ${num(c.rooms * c.roomSize * hz * (c.roomSize - 1), 0)} | ${cells.join(' | ')} |`);
  }
  return out;
}

/**
 * One line per fan-out phase that saw sockets closed by the server, reconnects, or a refusal or drop counted
 * by Cairn's /metrics; a single line saying so when none did (the stall hunt's negative result).
 */
export function stallNotes(results) {
  const lines = [];
  let watched = 0;
  for (const run of results.runs) {
    for (const [server, res] of Object.entries(run.servers)) {
      for (const w of PHASED) {
        const r = res?.[w];
        if (!r || r.error) continue;
        const phases = r.steps ?? [r];
        for (const step of phases) {
          if (step.sockets) watched++;
          const line = stallLine(step);
          if (line) lines.push(`- run ${run.run}, ${SHORT[server] ?? server}, ${w}${r.steps ? ` at ${step.hz}/s per client` : ''}: ${line}.`);
        }
        // Not the server's doing but the same symptom: the load generator itself not scheduled (a busy machine).
        const blocked = phases.filter((st) => st.loadgenLoopDelayMaxMs >= BLOCKED_MS);
        if (blocked.length) {
          const worst = blocked.reduce((a, st) => (st.loadgenLoopDelayMaxMs > a.loadgenLoopDelayMaxMs ? st : a));
          lines.push(`- run ${run.run}, ${SHORT[server] ?? server}, ${w}: the load generator's own event loop blocked ${BLOCKED_MS} ms or more in ${blocked.length} of ${phases.length} phase(s), at worst ${Math.round(worst.loadgenLoopDelayMaxMs)} ms (other processes then ${num(worst.otherCpuPercent, 0)}% of a core).`);
        }
      }
    }
  }
  const head = `**Sockets closed, refusals and stalls** (per fan-out phase, warm-up and grace included: closes and reconnects seen by the load generator, its own event loop when it blocked for ${BLOCKED_MS} ms or more in a window, and the growth of Cairn's \`cairn_rejected_frames_total\`, \`cairn_poses_dropped_total\`, \`cairn_fanout_dropped_total\` (its own publishes coming back, reason \`own\`, left out) and \`cairn_fanout_repaired_updates_total\` over the phase; raw counts under \`sockets\` and \`serverMetrics\` in results.json):`;
  if (watched === 0) return []; // results from before the rig counted them
  return lines.length ? [head, '', ...lines] : [`${head} none in any phase.`];
}
