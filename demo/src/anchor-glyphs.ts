/**
 * Draws anchors on the plan: a disc with an arrow for the heading and the label under it, one `<g>` per
 * anchor keyed by id, updated in place so that a glyph being dragged keeps its element.
 */
import type { SpaceAnchor } from '@cairn/client';
import { anchorColor, anchorLabel } from './anchor-look.js';
import { headingDeg } from './heading.js';
import { svgEl } from './plan-frame.js';

export interface Glyphs {
  render(anchors: readonly SpaceAnchor[], opts: { selected: string | null; nearest: string | null; dragging: string | null }): void;
  /** Moves one glyph without touching the data (drag preview). */
  place(id: string, x: number, z: number): void;
  /** The anchor id of the glyph an event target belongs to. */
  idAt(target: EventTarget | null): string | null;
  /** Keeps glyphs readable and hittable at this screen scale (pixels per meter); re-render after it. Returns how much glyphs grew. */
  setScale(pxPerM: number): number;
}

/** The disc's radius in meters at full scale; on a small screen the glyph grows to keep it this big: */
const DISC_M = 0.32;
const MIN_DISC_PX = 12;
/** A glyph takes a press within this radius, a finger's width (44 px targets, as phone guidelines ask). */
const HIT_PX = 22;
/** Past this, glyphs would cover each other more than they help. */
const MAX_GROW = 3;

function build(id: string): SVGGElement {
  const g = svgEl('g', { class: 'anchor', 'data-anchor-id': id });
  const body = svgEl('g', { class: 'body' });
  body.append(svgEl('circle', { r: DISC_M }), svgEl('path', { d: 'M 0 -0.62 L 0.2 -0.3 L -0.2 -0.3 Z', class: 'heading' }));
  const label = svgEl('text', { y: 0.75, 'text-anchor': 'middle' });
  g.append(svgEl('circle', { class: 'hit', r: DISC_M }), body, label);
  return g;
}

export function createGlyphs(layer: SVGGElement): Glyphs {
  const byId = new Map<string, SVGGElement>();
  let grow = 1;
  let hitM = DISC_M;

  const place = (g: SVGGElement, x: number, z: number): void => g.setAttribute('transform', `translate(${x} ${z}) scale(${grow})`);

  return {
    render(anchors, { selected, nearest, dragging }) {
      const seen = new Set<string>();
      for (const a of anchors) {
        seen.add(a.id);
        let g = byId.get(a.id);
        if (!g) {
          g = build(a.id);
          byId.set(a.id, g);
          layer.append(g);
        }
        if (a.id !== dragging) place(g, a.pose.p[0], a.pose.p[2]);
        g.querySelector('.hit')!.setAttribute('r', String(hitM));
        const body = g.querySelector<SVGGElement>('.body')!;
        // SVG turns clockwise on screen (y is down); a heading turns counter-clockwise seen from above.
        body.setAttribute('transform', `rotate(${-headingDeg(a.pose.q)})`);
        body.setAttribute('fill', anchorColor(a));
        g.querySelector('text')!.textContent = anchorLabel(a);
        g.classList.toggle('selected', a.id === selected);
        g.classList.toggle('nearest', a.id === nearest);
        g.classList.toggle('expiring', a.expiresAt !== undefined);
      }
      for (const [id, g] of byId) {
        if (seen.has(id)) continue;
        g.remove();
        byId.delete(id);
      }
    },
    place(id, x, z) {
      const g = byId.get(id);
      if (g) place(g, x, z);
    },
    setScale(pxPerM) {
      grow = Math.min(MAX_GROW, Math.max(1, MIN_DISC_PX / (DISC_M * pxPerM)));
      hitM = Math.max(DISC_M, HIT_PX / (pxPerM * grow));
      return grow;
    },
    idAt(target) {
      const g = target instanceof Element ? target.closest('[data-anchor-id]') : null;
      return g?.getAttribute('data-anchor-id') ?? null;
    },
  };
}
