// How the report writes a server's name and a figure: shared by the workload tables and the step tables.

export const SHORT = { 'y-websocket': 'y-websocket', hocuspocus: 'Hocuspocus', 'cairn-pg': 'Cairn PG+Redis', 'cairn-embedded': 'Cairn embedded', 'ws-floor': 'bare ws (floor)' };

/** A figure with `d` decimals at most; '—' when there is none, '∞' for an update that never arrived. */
export const num = (v, d = 1) => (v === null || v === undefined || Number.isNaN(v) ? '—' : v === Infinity ? '∞' : Number(v).toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: 0 }));

export const fin = (v) => typeof v === 'number' && !Number.isNaN(v);
