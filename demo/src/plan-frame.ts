/**
 * The plan's drawing frame. The SVG's user units ARE meters of the space frame seen from above: svg x is
 * space +X (east) and svg y is space +Z (south), so north (-Z) is up on screen. Everything else on the
 * plan is drawn in meters and never converts pixels itself.
 */
export const PLAN = { minX: -10, maxX: 10, minZ: -7, maxZ: 7 } as const;
/** How far the grid is drawn (meters): the demo's region (25 m) is all the floor a device syncs. */
const GRID_REACH_M = 25;
/** Positions are snapped to a centimeter so a person reads and types round numbers. */
const SNAP_PER_M = 100;

const NS = 'http://www.w3.org/2000/svg';

export function svgEl<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number> = {}): SVGElementTagNameMap[K] {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  return el;
}

export function snap(m: number): number {
  // Divide (not multiply by 0.01) so that the result is the double closest to the decimal: 0.07, not 0.07000000000000001.
  return Math.round(m * SNAP_PER_M) / SNAP_PER_M;
}

/** Sets up the view box, the one-meter grid and the origin mark; returns the layers to draw into. */
export function setupPlan(svg: SVGSVGElement): { anchors: SVGGElement; overlay: SVGGElement } {
  const w = PLAN.maxX - PLAN.minX;
  const h = PLAN.maxZ - PLAN.minZ;
  svg.setAttribute('viewBox', `${PLAN.minX} ${PLAN.minZ} ${w} ${h}`);
  svg.setAttribute('preserveAspectRatio', 'xMidYMid meet');
  const grid = svgEl('g', { class: 'grid' });
  // The grid reaches past the plan: plan-fit.ts widens the view box to the element's shape.
  const g = GRID_REACH_M;
  for (let x = -g; x <= g; x++) grid.append(svgEl('line', { x1: x, y1: -g, x2: x, y2: g, class: x % 5 === 0 ? 'major' : '' }));
  for (let z = -g; z <= g; z++) grid.append(svgEl('line', { x1: -g, y1: z, x2: g, y2: z, class: z % 5 === 0 ? 'major' : '' }));
  const origin = svgEl('g', { class: 'origin' });
  origin.append(svgEl('line', { x1: 0, y1: 0, x2: 1, y2: 0 }), svgEl('line', { x1: 0, y1: 0, x2: 0, y2: -1 }));
  const north = svgEl('text', { x: 0.08, y: -1.05 });
  north.textContent = 'N (−Z)';
  const east = svgEl('text', { x: 1.05, y: 0.12 });
  east.textContent = 'E (+X)';
  origin.append(north, east);
  const anchors = svgEl('g', { class: 'anchors' });
  const overlay = svgEl('g', { class: 'overlay' });
  svg.append(grid, origin, anchors, overlay);
  return { anchors, overlay };
}

/** The floor point (x, z) in meters under a pointer event. */
export function floorPoint(svg: SVGSVGElement, e: { clientX: number; clientY: number }): { x: number; z: number } {
  const m = svg.getScreenCTM();
  if (!m) return { x: 0, z: 0 };
  const p = new DOMPoint(e.clientX, e.clientY).matrixTransform(m.inverse());
  return { x: p.x, z: p.y };
}

/** The client (screen) position of a floor point: what a test or a script needs to click on an anchor. */
export function clientPoint(svg: SVGSVGElement, x: number, z: number): { x: number; y: number } {
  const m = svg.getScreenCTM();
  if (!m) return { x: 0, y: 0 };
  const p = new DOMPoint(x, z).matrixTransform(m);
  return { x: p.x, y: p.y };
}
