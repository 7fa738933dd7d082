// The plots of RESULTS.md: p99 against the offered rate for both knee workloads, and memory against idle
// connections; medians over runs.
import { median } from './stats.mjs';
import { linePlot } from './svg-plot.mjs';
import { SERVERS } from './servers.mjs';

/** Per server, the median p99 per step of workload `key` over the runs that reached it; x = xOf(step). */
function p99Series(results, key, servers, xOf) {
  return servers.map((s) => {
    const byX = new Map();
    for (const run of results.runs) for (const st of run.servers[s]?.[key]?.steps ?? []) {
      const x = xOf(st);
      if (!byX.has(x)) byX.set(x, []);
      byX.get(x).push(st.p99 === Infinity ? 5000 : st.p99);
    }
    return { name: `${SERVERS[s].label}`, points: [...byX].map(([x, ys]) => ({ x, y: median(ys) })) };
  }).filter((series) => series.points.length > 0);
}

export function plots(results) {
  const servers = results.servers;
  const out = {};
  const kneeSeries = p99Series(results, 'knee', servers.filter((id) => !SERVERS[id].floor), (st) => st.offeredUpdatesPerSec);
  if (kneeSeries.length) out['latency-vs-rate.svg'] = linePlot({
    title: 'Fan-out p99 latency vs offered rate (rooms of 10, median over runs)', xLabel: 'updates/s sent (each delivered to 9 receivers)', yLabel: 'p99 latency (ms, log)', yLog: true,
    hLine: { y: results.config.knee.p99LimitMs, label: `${results.config.knee.p99LimitMs} ms: the knee` }, series: kneeSeries,
  });
  const peer = results.config['peer-knee'];
  const rampSeries = peer ? p99Series(results, 'peer-knee', servers, (st) => st.offeredUpdatesPerSec * (peer.roomSize - 1)) : [];
  if (rampSeries.length) out['peer-ramp.svg'] = linePlot({
    title: `Peer ramp: p99 latency vs offered deliveries/s (${peer.rooms} rooms of ${peer.roomSize}, median over runs)`, xLabel: 'deliveries/s offered (updates/s sent × 9 receivers)', yLabel: 'p99 latency (ms, log)', yLog: true,
    hLine: { y: peer.p99LimitMs, label: `${peer.p99LimitMs} ms: the knee` }, series: rampSeries,
  });
  const memSeries = [];
  for (const s of servers) {
    for (const proto of ['y', 'native']) {
      const byN = new Map();
      for (const run of results.runs) {
        const pts = run.servers[s]?.[proto === 'y' ? 'idle' : 'idle-native']?.points;
        if (!pts) continue;
        const base = pts[0].y;
        for (const p of pts) {
          if (!byN.has(p.x)) byN.set(p.x, []);
          byN.get(p.x).push((p.y - base) / 2 ** 20);
        }
      }
      if (byN.size) memSeries.push({ name: `${SERVERS[s].label}${proto === 'native' ? ', native protocol' : ''}`, dashed: proto === 'native', points: [...byN].map(([x, ys]) => ({ x, y: median(ys) })) });
    }
  }
  if (memSeries.length) out['memory-vs-connections.svg'] = linePlot({ title: 'Server memory vs idle connections (RSS above 0 connections, after full GC)', xLabel: 'idle connections', yLabel: 'RSS growth (MB)', series: memSeries });
  return out;
}
