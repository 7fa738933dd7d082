/**
 * The plan view's interactions, the way a person uses them:
 *
 *   click the floor ─────────────► create an anchor there (heading north, on the floor)
 *   press an anchor ─ release ───► select it
 *                   └ drag ──────► preview locally, write ONE move on release (a whole new pose, X2)
 *   hover ───────────────────────► nearest-anchor query under the pointer (the replica's R-tree)
 */
import type { Anchors, SpaceAnchor } from '@cairn/client';
import { identityQuat } from '@cairn/shared';
import { anchorLabel, formatMeters } from './anchor-look.js';
import { createGlyphs } from './anchor-glyphs.js';
import { defaultLabel } from './default-label.js';
import { withFloorPosition } from './heading.js';
import { fitPlan } from './plan-fit.js';
import { floorPoint, setupPlan, snap, svgEl } from './plan-frame.js';
import type { Selection } from './selection.js';
import { reportError } from './toast.js';

/** A press that moves less than this (screen pixels) is a click, not a drag; a fingertip wobbles more. */
const CLICK_SLOP_PX = { mouse: 4, touch: 10 } as const;

type Press =
  | { kind: 'floor'; x: number; z: number; slopM: number }
  | { kind: 'anchor'; id: string; x: number; z: number; dx: number; dz: number; moved: boolean; slopM: number };

export interface PlanView {
  refresh(): void;
}

export function mountPlanView(svg: SVGSVGElement, nearestOut: HTMLElement, anchors: Anchors, selection: Selection, replicaId: () => string | null): PlanView {
  const layers = setupPlan(svg);
  const glyphs = createGlyphs(layers.anchors);
  const link = svgEl('line', { class: 'nearest-link' });
  let press: Press | null = null;
  let pointer: { x: number; z: number } | null = null;
  let nearest: SpaceAnchor | null = null;

  const findNearest = (): void => {
    nearest = pointer ? (anchors.nearest([pointer.x, 0, pointer.z], 1)[0] ?? null) : null;
    if (!nearest || !pointer) {
      link.remove();
      nearestOut.textContent = 'none';
      delete nearestOut.dataset.anchorId;
      return;
    }
    const d = Math.hypot(nearest.pose.p[0] - pointer.x, nearest.pose.p[1], nearest.pose.p[2] - pointer.z);
    for (const [k, v] of Object.entries({ x1: pointer.x, y1: pointer.z, x2: nearest.pose.p[0], y2: nearest.pose.p[2] })) link.setAttribute(k, String(v));
    layers.overlay.append(link);
    nearestOut.textContent = `${anchorLabel(nearest)} · ${formatMeters(d)}`;
    nearestOut.dataset.anchorId = nearest.id;
  };

  const refresh = (): void => {
    if (press?.kind !== 'anchor' || !press.moved) findNearest();
    const dragging = press?.kind === 'anchor' && press.moved ? press.id : null;
    glyphs.render(anchors.all(), { selected: selection.id, nearest: nearest?.id ?? null, dragging });
  };

  const create = (x: number, z: number): void => {
    // Without a replica id yet, no label: the page names the anchor from its id (anchor-look.ts).
    const label = defaultLabel(replicaId(), anchors.all());
    anchors.create({ pose: { p: [snap(x), 0, snap(z)], q: identityQuat() }, props: label ? { label } : {} }).then(
      (a) => selection.set(a.id),
      reportError('could not create the anchor'),
    );
  };

  const fit = fitPlan(svg, (pxPerM) => {
    // The origin's labels grow with the glyphs (styles.css reads --grow).
    svg.style.setProperty('--grow', String(glyphs.setScale(pxPerM)));
    refresh();
  });

  svg.addEventListener('pointerdown', (e) => {
    if (e.button !== 0) return;
    const at = floorPoint(svg, e);
    const id = glyphs.idAt(e.target);
    const a = id ? anchors.get(id) : undefined;
    const slopM = (e.pointerType === 'touch' ? CLICK_SLOP_PX.touch : CLICK_SLOP_PX.mouse) / fit.pxPerM();
    press = a ? { kind: 'anchor', id: a.id, x: at.x, z: at.z, dx: a.pose.p[0] - at.x, dz: a.pose.p[2] - at.z, moved: false, slopM } : { kind: 'floor', x: at.x, z: at.z, slopM };
    svg.setPointerCapture(e.pointerId);
    e.preventDefault();
  });

  svg.addEventListener('pointermove', (e) => {
    const at = floorPoint(svg, e);
    pointer = at;
    if (press?.kind === 'anchor') {
      if (!press.moved && Math.hypot(at.x - press.x, at.z - press.z) < press.slopM) return;
      press.moved = true;
      glyphs.place(press.id, snap(at.x + press.dx), snap(at.z + press.dz));
      return;
    }
    refresh();
  });

  svg.addEventListener('pointerup', (e) => {
    const p = press;
    press = null;
    if (!p) return;
    const at = floorPoint(svg, e);
    if (p.kind === 'floor') {
      if (Math.hypot(at.x - p.x, at.z - p.z) < p.slopM) create(at.x, at.z);
      else selection.set(null);
      return;
    }
    selection.set(p.id);
    const a = anchors.get(p.id);
    if (!p.moved || !a) return refresh();
    anchors.move(p.id, withFloorPosition(a.pose, snap(at.x + p.dx), snap(at.z + p.dz))).then(refresh, (err: unknown) => {
      refresh();
      reportError('could not move the anchor')(err);
    });
  });

  svg.addEventListener('pointerleave', () => {
    if (press) return;
    pointer = null;
    refresh();
  });

  window.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') selection.set(null);
  });

  selection.on(refresh);
  anchors.onChange(refresh);
  refresh();
  return { refresh };
}
