/**
 * The AR alignment in the status strip: given (?align=), not aligned yet (the device's frame stands in for
 * the space's), or aligned to n sighted anchors with the fit's residual, so the person can tell a good
 * sighting from a careless one (P3: the residual is reported).
 */
import type { AlignmentFit } from '@cairn/shared';
import type { ArAlignment } from './ar/ar-alignment.js';

/** The residual as the page shows it (millimetres and degrees). */
export function residualText(fit: AlignmentFit): string {
  return `residual ${(fit.residual.rmsM * 1000).toFixed(1)} mm / ${fit.residual.maxDeg.toFixed(2)}°`;
}

export function alignmentText(alignment: ArAlignment): string {
  if (alignment.given) return 'AR alignment given';
  const fit = alignment.fit;
  if (!fit) return 'AR not aligned: sight a shared anchor';
  return `AR aligned to ${fit.anchors} anchor${fit.anchors === 1 ? '' : 's'} · ${residualText(fit)}`;
}

/** Shown once `arSupported` resolves true: the alignment means nothing on a browser without AR. */
export function mountAlignmentStatus(el: HTMLElement, alignment: ArAlignment, arSupported: Promise<boolean>): void {
  const render = (): void => {
    const fit = alignment.fit;
    el.dataset.state = alignment.given ? 'given' : fit ? 'aligned' : 'unaligned';
    el.dataset.anchors = String(fit?.anchors ?? 0);
    el.textContent = alignmentText(alignment);
  };
  el.hidden = true;
  alignment.onChange(render);
  render();
  void arSupported.then((ok) => {
    el.hidden = !ok;
  });
}
