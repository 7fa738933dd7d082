// The presence benchmark's report: what one pose update carries on each side (computed from the same
// encoders the load generator uses), the measured table (medians over runs, and each Cairn variant's ratio
// to y-websocket awareness computed within a run, then the median), the targets, and the latency plot.
import * as Y from 'yjs';
import * as encoding from 'lib0/encoding';
import { Awareness, encodeAwarenessUpdate } from 'y-protocols/awareness';
import { DEFAULT_LIMITS, encodeFrame, encodePresenceRecord } from '@cairn/shared';
import { createHeadset } from './headset-pose.mjs';
import { median } from './stats.mjs';
import { linePlot } from './svg-plot.mjs';

export const VARIANTS = {
  'y-websocket': { server: 'y-websocket', label: 'y-websocket awareness', nodes: 1 },
  'cairn-pg': { server: 'cairn-pg', label: 'Cairn native, 1 node (PG + Redis)', nodes: 1 },
  'cairn-pg-2node': { server: 'cairn-pg', label: 'Cairn native, 2 nodes (Redis bus)', nodes: 2 },
};

const num = (v, d = 1) => (v === null || v === undefined || Number.isNaN(v) ? '—' : v === Infinity ? '∞' : Number(v).toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: 0 }));

/** One headset frame as each side encodes it: the bytes of a pose update, before any run. */
export function payloadSample() {
  const pose = createHeadset(3).at(12.5);
  const limits = { maxPresenceAppStateBytes: DEFAULT_LIMITS.maxPresenceAppStateBytes, maxPresenceDepth: DEFAULT_LIMITS.maxPresenceDepth };
  const record = encodePresenceRecord({ seq: 375, ...pose }, limits);
  const doc = 'pb7/cell/u09tunq';
  const poseFrame = encodeFrame({ type: 'pose', doc, record });
  const peerPose = encodeFrame({ type: 'peer-pose', doc, peer: 'pb-73-12345', user: '', record });
  const ydoc = new Y.Doc();
  ydoc.clientID = 74;
  const awareness = new Awareness(ydoc);
  for (let i = 0; i < 375; i++) awareness.setLocalStateField('pose', pose); // the clock a 12.5 s old client has
  const enc = encoding.createEncoder();
  encoding.writeVarUint(enc, 1);
  encoding.writeVarUint8Array(enc, encodeAwarenessUpdate(awareness, [ydoc.clientID]));
  const awarenessMsg = encoding.toUint8Array(enc);
  const json = JSON.stringify(awareness.getLocalState());
  const round = (v) => Math.round(v * 1e4) / 1e4;
  const rounded = JSON.stringify({ pose: Object.fromEntries(Object.entries(pose).map(([k, v]) => [k, { p: v.p.map(round), q: v.q.map(round) }])) });
  awareness.destroy();
  return { record: record.length, poseFrame: poseFrame.length, peerPose: peerPose.length, awarenessMsg: awarenessMsg.length, json, jsonBytes: Buffer.byteLength(json), rounded, roundedBytes: Buffer.byteLength(rounded) };
}

const ROWS = [
  { label: 'delivery latency p50 (ms)', get: (r) => r.p50, d: 2 },
  { label: 'delivery latency p95 (ms)', get: (r) => r.p95, d: 2 },
  { label: 'delivery latency p99 (ms)', get: (r) => r.p99, d: 2 },
  { label: 'delivery latency max (ms)', get: (r) => r.max, d: 1 },
  { label: 'pose updates sent/s', get: (r) => r.sentPerSec, d: 0 },
  { label: 'deliveries/s (to the other 9 of the space)', get: (r) => r.deliveredPerSec, d: 0 },
  { label: 'deliveries missing after the grace time', get: (r) => r.missing, d: 0 },
  { label: 'client sockets the server closed', get: (r) => r.closed, d: 0 },
  { label: 'server CPU (% of one core; all nodes)', get: (r) => r.serverCpuPercent, d: 0 },
  { label: 'server CPU per delivery (µs)', get: (r) => r.serverCpuUsPerDelivered, d: 2 },
  { label: 'Postgres + Redis CPU (% of one core)', get: (r) => r.servicesCpuPercent, d: 0, cairnOnly: true },
  { label: 'load generator CPU, all processes (% of one core)', get: (r) => r.loadgenCpuPercent, d: 0 },
  { label: 'sends the load generator skipped (fell behind)', get: (r) => r.skipped, d: 0 },
  { label: 'bytes per pose update, sent: WebSocket payload', get: (r) => r.bytes.upPayload, d: 1 },
  { label: 'bytes per pose update, sent: with WebSocket framing', get: (r) => r.bytes.upWithFraming, d: 1 },
  { label: 'bytes per delivery, received: WebSocket payload', get: (r) => r.bytes.downPayload, d: 1 },
  { label: 'bytes per delivery, received: with WebSocket framing', get: (r) => r.bytes.downWithFraming, d: 1 },
  { label: 'echoes to the sender per pose update', get: (r) => r.bytes.echoesPerPose, d: 2 },
  { label: 'socket bytes per pose update, all of the space (send + 9 deliveries + echo)', get: (r) => r.bytes.wirePerPose, d: 0 },
];

/** Rows × variants: the median over runs, then Cairn ÷ y-websocket per run (median). */
export function presenceTable(results) {
  const variants = results.variants;
  const head = ['| | ' + variants.map((v) => VARIANTS[v].label).join(' | ') + variants.filter((v) => v !== 'y-websocket').map((v) => ` | ${VARIANTS[v].label.split(',')[0].replace('Cairn native', 'Cairn')}${VARIANTS[v].nodes > 1 ? ' 2 nodes' : ''} ÷ y-websocket`).join('') + ' |'];
  const cols = variants.length * 2 - (variants.includes('y-websocket') ? 1 : 0);
  head.push(`|---|${'---:|'.repeat(cols)}`);
  const ok = (r) => r && !r.error;
  for (const row of ROWS) {
    const cells = variants.map((v) => {
      if (row.cairnOnly && v === 'y-websocket') return '—';
      return num(median(results.runs.map((run) => (ok(run[v]) ? row.get(run[v]) : NaN))), row.d);
    });
    const ratios = variants.filter((v) => v !== 'y-websocket').map((v) => {
      if (row.cairnOnly || !variants.includes('y-websocket')) return '—';
      const rs = results.runs.map((run) => (ok(run[v]) && ok(run['y-websocket']) ? row.get(run[v]) / row.get(run['y-websocket']) : NaN));
      const m = median(rs.filter((x) => Number.isFinite(x)));
      return Number.isFinite(m) ? `${num(m, 2)}×` : '—';
    });
    head.push(`| ${row.label} | ${[...cells, ...ratios].join(' | ')} |`);
  }
  return head.join('\n');
}

/** The targets for each Cairn variant: p99 ≤ 30 ms, server ≤ 1 core (medians over runs). */
export function presenceTargets(results) {
  const lines = ['| variant | p99 ≤ 30 ms | server CPU ≤ 1 core |', '|---|---|---|'];
  for (const v of results.variants.filter((x) => x !== 'y-websocket')) {
    const p99 = median(results.runs.map((run) => run[v]?.p99 ?? NaN));
    const cpu = median(results.runs.map((run) => run[v]?.serverCpuPercent ?? NaN));
    const mark = (ok) => (ok ? 'holds' : '**does not hold**');
    lines.push(`| ${VARIANTS[v].label} | ${num(p99, 1)} ms: ${mark(p99 <= 30)} | ${num(cpu, 0)}% of a core: ${mark(cpu <= 100)} |`);
  }
  return lines.join('\n');
}

/** Latency by percentile for each variant, from its run with the median p99. */
export function presencePlot(results) {
  const series = results.variants.map((v) => {
    const runs = results.runs.map((run) => run[v]).filter((r) => r && !r.error).sort((a, b) => a.p99 - b.p99);
    const r = runs[Math.floor((runs.length - 1) / 2)];
    return { name: VARIANTS[v].label, points: (r?.cdf ?? []).map(([p, ms]) => ({ x: p * 100, y: ms })) };
  });
  return linePlot({
    title: `Presence: delivery latency by percentile (${results.config.clients} headsets at ${results.config.hz} Hz, spaces of ${results.config.roomSize})`,
    xLabel: 'percentile of deliveries', yLabel: 'latency (ms, log)', yLog: true,
    hLine: { y: 30, label: 'target p99 30 ms' }, series,
  });
}
