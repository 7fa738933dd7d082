/**
 * Fits the plan's view box to the element's shape. The PLAN rectangle always fits, centred; the room left
 * over on a tall phone or a wide window shows more floor instead of empty bands. Reports the scale
 * (screen pixels per meter) so that glyphs and click slop can keep a size a finger can hit.
 */
import { PLAN } from './plan-frame.js';

export interface PlanFit {
  /** Screen pixels per meter of floor, as last fitted. */
  pxPerM(): number;
}

export function fitPlan(svg: SVGSVGElement, onFit: (pxPerM: number) => void): PlanFit {
  const w = PLAN.maxX - PLAN.minX;
  const h = PLAN.maxZ - PLAN.minZ;
  let scale = 0;

  const fit = (): void => {
    const cw = svg.clientWidth;
    const ch = svg.clientHeight;
    if (cw <= 0 || ch <= 0) return;
    const s = Math.min(cw / w, ch / h);
    const vw = cw / s;
    const vh = ch / s;
    const cx = (PLAN.minX + PLAN.maxX) / 2;
    const cz = (PLAN.minZ + PLAN.maxZ) / 2;
    svg.setAttribute('viewBox', `${cx - vw / 2} ${cz - vh / 2} ${vw} ${vh}`);
    if (s === scale) return;
    scale = s;
    onFit(s);
  };

  new ResizeObserver(fit).observe(svg);
  fit();
  return { pxPerM: () => scale || 1 };
}
