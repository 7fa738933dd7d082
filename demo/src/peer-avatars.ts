/**
 * Other devices on the plan, live from `space.presence`: a circle with an arrow for where each one looks
 * (the heading of its head pose) and its name under it, one `<g data-peer-id>` per peer, drawn under the
 * anchors' overlay. A peer without a head (only a ray) is drawn at the ray's origin.
 */
import type { PeerPresence, SpacePresence } from '@cairn/client';
import { headingDeg } from './heading.js';
import { peerLook } from './peer-look.js';
import { svgEl } from './plan-frame.js';

const RADIUS_M = 0.28;

export function mountPeerAvatars(svg: SVGSVGElement, presence: SpacePresence): () => void {
  const layer = svgEl('g', { class: 'peers', 'data-testid': 'peers' });
  svg.insertBefore(layer, svg.querySelector('.overlay'));
  const byPeer = new Map<string, SVGGElement>();

  const draw = (p: PeerPresence): void => {
    const at = p.head?.p ?? p.ray?.origin;
    if (!at) return;
    let g = byPeer.get(p.peer);
    if (!g) {
      g = svgEl('g', { class: 'peer', 'data-peer-id': p.peer });
      const body = svgEl('g', { class: 'body' });
      body.append(svgEl('circle', { r: RADIUS_M }), svgEl('path', { d: 'M 0 -0.55 L 0.18 -0.24 L -0.18 -0.24 Z', class: 'heading' }));
      g.append(body, svgEl('text', { y: 0.7, 'text-anchor': 'middle' }));
      byPeer.set(p.peer, g);
      layer.append(g);
    }
    const look = peerLook(p);
    g.setAttribute('transform', `translate(${at[0]} ${at[2]})`);
    g.dataset.x = at[0].toFixed(3);
    g.dataset.z = at[2].toFixed(3);
    const body = g.querySelector<SVGGElement>('.body')!;
    body.setAttribute('transform', `rotate(${p.head ? -headingDeg(p.head.q) : 0})`);
    body.setAttribute('fill', look.colour);
    g.querySelector('text')!.textContent = look.name;
  };

  const remove = (p: PeerPresence): void => {
    byPeer.get(p.peer)?.remove();
    byPeer.delete(p.peer);
  };

  for (const p of presence.peers()) draw(p);
  const offs = [presence.on('join', draw), presence.on('change', draw), presence.on('leave', remove)];
  return () => offs.forEach((off) => off());
}
