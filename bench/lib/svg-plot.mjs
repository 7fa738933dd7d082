// A small SVG line plot (no dependencies): series of points on linear or log axes, a legend, ticks.
const COLORS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#7f7f7f', '#17becf'];
const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;');

function ticks(min, max, log) {
  if (log) {
    const out = [];
    for (let e = Math.floor(Math.log10(min)); e <= Math.ceil(Math.log10(max)); e++) for (const m of [1, 2, 5]) out.push(m * 10 ** e);
    return out.filter((t) => t >= min * 0.999 && t <= max * 1.001);
  }
  const raw = (max - min) / 6;
  const mag = 10 ** Math.floor(Math.log10(raw || 1));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? raw;
  const out = [];
  for (let t = Math.ceil(min / step) * step; t <= max + step * 1e-9; t += step) out.push(Number(t.toPrecision(12)));
  return out;
}

const fmt = (v) => (Math.abs(v) >= 10000 ? `${Math.round(v / 1000)}k` : Math.abs(v) >= 1000 ? `${(v / 1000).toFixed(1)}k` : String(Number(v.toPrecision(3))));

/**
 * @param {{ title: string, xLabel: string, yLabel: string, yLog?: boolean, hLine?: { y: number, label: string },
 *           series: { name: string, points: { x: number, y: number }[], dashed?: boolean }[] }} o
 */
export function linePlot(o) {
  const W = 760;
  const legendRows = Math.ceil(o.series.length / 2);
  const H = 370 + legendRows * 18;
  const m = { l: 70, r: 20, t: 40, b: 56 + legendRows * 18 };
  const pts = o.series.flatMap((s) => s.points).filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y) && (!o.yLog || p.y > 0));
  const xs = pts.map((p) => p.x);
  const ys = pts.map((p) => p.y).concat(o.hLine ? [o.hLine.y] : []);
  const xMin = 0;
  const xMax = Math.max(1, ...xs) * 1.05;
  let yMin = o.yLog ? Math.min(...ys) / 1.5 : 0;
  const yMax = Math.max(...ys) * (o.yLog ? 1.5 : 1.1);
  if (o.yLog) yMin = 10 ** Math.floor(Math.log10(yMin));
  const X = (x) => m.l + ((x - xMin) / (xMax - xMin)) * (W - m.l - m.r);
  const Y = (y) => (o.yLog
    ? H - m.b - ((Math.log10(y) - Math.log10(yMin)) / (Math.log10(yMax) - Math.log10(yMin))) * (H - m.t - m.b)
    : H - m.b - ((y - yMin) / (yMax - yMin)) * (H - m.t - m.b));
  const out = [`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="22" text-anchor="middle" font-size="15">${esc(o.title)}</text>`];
  for (const t of ticks(yMin, yMax, o.yLog)) {
    out.push(`<line x1="${m.l}" x2="${W - m.r}" y1="${Y(t)}" y2="${Y(t)}" stroke="#e5e5e5"/>`, `<text x="${m.l - 6}" y="${Y(t) + 4}" text-anchor="end">${fmt(t)}</text>`);
  }
  for (const t of ticks(xMin, xMax, false)) {
    out.push(`<line x1="${X(t)}" x2="${X(t)}" y1="${m.t}" y2="${H - m.b}" stroke="#f0f0f0"/>`, `<text x="${X(t)}" y="${H - m.b + 16}" text-anchor="middle">${fmt(t)}</text>`);
  }
  out.push(`<rect x="${m.l}" y="${m.t}" width="${W - m.l - m.r}" height="${H - m.t - m.b}" fill="none" stroke="#888"/>`,
    `<text x="${(m.l + W - m.r) / 2}" y="${H - m.b + 36}" text-anchor="middle">${esc(o.xLabel)}</text>`,
    `<text transform="translate(16 ${(m.t + H - m.b) / 2}) rotate(-90)" text-anchor="middle">${esc(o.yLabel)}</text>`);
  if (o.hLine) {
    out.push(`<line x1="${m.l}" x2="${W - m.r}" y1="${Y(o.hLine.y)}" y2="${Y(o.hLine.y)}" stroke="#d00" stroke-dasharray="6 4"/>`,
      `<text x="${W - m.r - 4}" y="${Y(o.hLine.y) - 5}" text-anchor="end" fill="#d00">${esc(o.hLine.label)}</text>`);
  }
  o.series.forEach((s, i) => {
    const c = COLORS[i % COLORS.length];
    const p = s.points.filter((q) => Number.isFinite(q.x) && Number.isFinite(q.y) && (!o.yLog || q.y > 0)).sort((a, b) => a.x - b.x);
    if (p.length) {
      out.push(`<polyline fill="none" stroke="${c}" stroke-width="2"${s.dashed ? ' stroke-dasharray="5 3"' : ''} points="${p.map((q) => `${X(q.x).toFixed(1)},${Y(q.y).toFixed(1)}`).join(' ')}"/>`);
      for (const q of p) out.push(`<circle cx="${X(q.x).toFixed(1)}" cy="${Y(q.y).toFixed(1)}" r="3" fill="${c}"/>`);
    }
    const lx = m.l + (i % 2) * 340;
    const ly = H - m.b + 52 + Math.floor(i / 2) * 18;
    out.push(`<line x1="${lx}" x2="${lx + 22}" y1="${ly - 4}" y2="${ly - 4}" stroke="${c}" stroke-width="2"${s.dashed ? ' stroke-dasharray="5 3"' : ''}/>`, `<text x="${lx + 28}" y="${ly}">${esc(s.name)}</text>`);
  });
  out.push('</svg>');
  return out.join('\n');
}
