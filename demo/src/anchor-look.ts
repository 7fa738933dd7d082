/** How an anchor is named and coloured everywhere in the page: from its props, or derived from its id. */
import type { SpaceAnchor } from '@cairn/client';

const PALETTE = ['#e4572e', '#17bebb', '#ffc914', '#76b041', '#7e52a0', '#2e86ab', '#f18f01', '#c73e1d'];

export function anchorLabel(a: SpaceAnchor): string {
  const label = a.props['label'];
  return typeof label === 'string' && label.trim() !== '' ? label : `anchor ${a.id.slice(-4)}`;
}

export function anchorColor(a: SpaceAnchor): string {
  const color = a.props['color'];
  if (typeof color === 'string' && /^#[0-9a-f]{6}$/i.test(color)) return color;
  let h = 0;
  for (const ch of a.id) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  return PALETTE[h % PALETTE.length]!;
}

export function formatMeters(m: number): string {
  return `${m.toFixed(2)} m`;
}

/** "expires in 42 s" for an anchor with a TTL, '' without one. */
export function expiryText(a: SpaceAnchor, now: number): string {
  if (a.expiresAt === undefined) return '';
  const s = Math.max(0, Math.ceil((a.expiresAt - now) / 1000));
  if (s < 120) return `expires in ${s} s`;
  if (s < 7200) return `expires in ${Math.ceil(s / 60)} min`;
  return `expires in ${Math.ceil(s / 3600)} h`;
}
