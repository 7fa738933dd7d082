// Stall hunting for the fan-out rig. A fan-out p99 of ~1 s that lasts a whole window, with tens of thousands
// of deliveries lost, looks the same whether the server fell behind or closed sockets that then resynced;
// these readings tell the two apart, per phase:
//   - the load generator's side: every socket the server closed mid-phase, by close code and reason, and
//     the reconnects the rig made (as y-websocket's provider does: 100 ms after a close, doubling while
//     it fails, at most 2.5 s);
//   - Cairn's side: its /metrics scraped before and after the phase (outside the CPU window), as deltas of
//     the counters that say it refused or dropped something. Cairn's y-websocket session closes a socket
//     whose send buffer overflowed (SLOW_CONSUMER) or whose pushes outran its bucket (RATE_LIMITED); the
//     second is counted under cairn_rejected_frames_total{code}, the first only shows as a close code.

/** The counters whose growth over a phase means Cairn refused or dropped something, and the gauge of open sockets. */
const WATCHED = {
  cairn_rejected_frames_total: 'rejected',
  cairn_poses_dropped_total: 'posesDropped',
  cairn_fanout_dropped_total: 'busDropped',
  cairn_fanout_repaired_updates_total: 'busRepaired',
  cairn_connections: 'connections',
};

/** Closes and reconnects of a rig's sockets, counted until take(). */
export function createSocketLog() {
  let closes = new Map();
  let reconnects = 0;
  let failedReconnects = 0;
  return {
    closed(code, reason) {
      const key = reason ? `${code} ${reason}` : String(code);
      closes.set(key, (closes.get(key) ?? 0) + 1);
    },
    reconnected() {
      reconnects++;
    },
    reconnectFailed() {
      failedReconnects++;
    },
    /** The counts since the last take(), and a fresh start. */
    take() {
      const closeCodes = Object.fromEntries(closes);
      const out = { closed: Object.values(closeCodes).reduce((a, n) => a + n, 0), closeCodes, reconnects, failedReconnects };
      closes = new Map();
      reconnects = 0;
      failedReconnects = 0;
      return out;
    },
  };
}

/** Cairn's /metrics lines, or null when unreachable. */
async function metricsLines(url) {
  if (!url) return null;
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(3000) });
    return res.ok ? (await res.text()).split('\n') : null;
  } catch {
    return null;
  }
}

/** Cairn's watched metrics, as { rejected: { CODE: n }, ... } (first label's value → number), or null when unreachable. */
export async function scrapeMetrics(url) {
  const lines = await metricsLines(url);
  if (!lines) return null;
  const out = {};
  for (const line of lines) {
    const m = /^([a-z_]+)(?:\{[a-z_]+="([^"]*)"[^}]*\})? ([0-9.e+-]+)$/.exec(line);
    const key = m && WATCHED[m[1]];
    if (!key) continue;
    out[key] ??= {};
    out[key][m[2] ?? ''] = Number(m[3]);
  }
  return out;
}

/** Growth of each watched counter between two scrapes (zeros left out); the connections gauge as before → after. */
export function metricsDelta(before, after) {
  if (!before || !after) return null;
  const out = {};
  for (const key of Object.values(WATCHED)) {
    if (key === 'connections') continue;
    const grown = {};
    for (const [label, v] of Object.entries(after[key] ?? {})) {
      const d = v - (before[key]?.[label] ?? 0);
      if (d > 0) grown[label] = d;
    }
    out[key] = grown;
  }
  const sockets = (m) => Object.values(m.connections ?? {}).reduce((a, n) => a + n, 0);
  out.connections = { before: sockets(before), after: sockets(after) };
  return out;
}

/** One line for a phase that saw a close, a reconnect, a duplicate delivery, or a refusal or drop on the server; '' when it saw none. */
export function stallLine(step) {
  const parts = [];
  const s = step.sockets;
  if (s?.closed) parts.push(`${s.closed} socket(s) closed mid-phase (${Object.entries(s.closeCodes).map(([k, n]) => `${k} ×${n}`).join(', ')}), ${s.reconnects} reconnect(s)${s.failedReconnects ? `, ${s.failedReconnects} failed` : ''}${s.downAtEnd ? `, ${s.downAtEnd} down at the end` : ''}`);
  if (step.duplicates) parts.push(`${step.duplicates} deliveries received again by a receiver that already had them (not counted as delivered)`);
  const m = step.serverMetrics;
  for (const [key, what] of [['rejected', 'rejected'], ['posesDropped', 'poses dropped'], ['busDropped', 'bus messages dropped'], ['busRepaired', 'updates repaired from the Store']]) {
    // A node's own publishes come back from Redis and are skipped as 'own' on every update: not a loss.
    const counts = Object.entries(m?.[key] ?? {}).filter(([label]) => !(key === 'busDropped' && label === 'own'));
    if (counts.length) parts.push(`server ${what}: ${counts.map(([k, n]) => `${k || 'all'} ×${n}`).join(', ')}`);
  }
  return parts.join('; ');
}

/** Cairn's cache lookups by level and result (cairn_cache_lookups_total), or null when unreachable. */
export async function scrapeCacheLookups(url) {
  const lines = await metricsLines(url);
  if (!lines) return null;
  const out = {};
  for (const line of lines) {
    const m = /^cairn_cache_lookups_total\{level="([a-z0-9]+)",result="([a-z]+)"\} ([0-9.e+-]+)$/.exec(line);
    if (!m) continue;
    out[m[1]] ??= { hit: 0, miss: 0 };
    out[m[1]][m[2]] = Number(m[3]);
  }
  return out;
}

/**
 * Hit ratio per cache level over a workload (between two scrapes): the lookups its joins made (L1: the
 * joining replica already held the doc; L2: this node held the room; L3: Redis held its snapshot).
 */
export function cacheRatios(before, after) {
  if (!before || !after) return null;
  const out = {};
  for (const [level, now] of Object.entries(after)) {
    const hit = now.hit - (before[level]?.hit ?? 0);
    const miss = now.miss - (before[level]?.miss ?? 0);
    if (hit + miss > 0) out[level] = { hit, miss, ratio: hit / (hit + miss) };
  }
  return out;
}
