/**
 * How a device appears to the others: the name and colour it puts in its presence state, and how a peer's
 * state is read back (a peer may run another app, so anything missing or malformed falls back).
 */
import type { PeerPresence } from '@cairn/client';
import { deviceTag } from './default-label.js';

const PALETTE = ['#d7263d', '#1b998b', '#f46036', '#2e294e', '#c5d86d', '#0072bb', '#8f2d56', '#218380'];

export interface PeerLook {
  name: string;
  colour: string;
}

/** This device's look: its replica name, and a colour from its replica id. */
export function ownLook(db: string, replicaId: string | null): PeerLook {
  let h = 0;
  for (const ch of replicaId ?? db) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  return { name: replicaId ? `${db}·${deviceTag(replicaId)}` : db, colour: PALETTE[h % PALETTE.length]! };
}

export function peerLook(p: PeerPresence): PeerLook {
  const s = (typeof p.state === 'object' && p.state !== null ? p.state : {}) as Record<string, unknown>;
  const name = typeof s['name'] === 'string' && s['name'].trim() !== '' ? s['name'].slice(0, 40) : `peer ${p.peer.slice(-4)}`;
  const colour = typeof s['colour'] === 'string' && /^#[0-9a-f]{6}$/i.test(s['colour']) ? s['colour'] : '#555555';
  return { name, colour };
}
