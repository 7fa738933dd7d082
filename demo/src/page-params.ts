/**
 * What the page reads from its address: the sync socket sits on the same origin as the page
 * (`ws(s)://host/v1/sync`), and the query names the replica and the space so that two windows, or two
 * test contexts, can act as separate devices on one machine.
 *
 *   ?db=<name>        IndexedDB replica (and tab channel) name; tabs with the same db are one device
 *   ?space=<name>     the shared space to show
 *   ?origin=lat,lon,alt   the space's geodetic origin if the space has none yet
 *   ?align=px,py,pz,qx,qy,qz,qw   AR only: this device's reference space in the space frame, known
 *                     beforehand (without it, the device aligns itself from sightings of shared anchors)
 *   ?token=<jwt>      for a server with CAIRN_AUTH_SECRET set
 */
import { isPose, isValidSegment, type GeoPoint, type Pose } from '@cairn/shared';

export interface PageParams {
  wsUrl: string;
  db: string;
  space: string;
  origin: GeoPoint;
  /** Space-from-reference transform of this device's XR reference space, if given. */
  align: Pose | null;
  token: string;
}

/** A fixed default so that every window opened without ?origin= agrees on the same cells. */
const DEFAULT_ORIGIN: GeoPoint = { lat: 51.4779, lon: -0.0015, alt: 0 };

function numbers(raw: string | null, count: number): number[] | null {
  if (raw === null) return null;
  const parts = raw.split(',').map(Number);
  return parts.length === count && parts.every(Number.isFinite) ? parts : null;
}

function segment(raw: string | null, fallback: string): string {
  return raw !== null && isValidSegment(raw) ? raw : fallback;
}

export function readPageParams(location: Location): PageParams {
  const q = new URLSearchParams(location.search);
  const o = numbers(q.get('origin'), 3);
  const a = numbers(q.get('align'), 7);
  const align = a ? { p: [a[0], a[1], a[2]], q: [a[3], a[4], a[5], a[6]] } : null;
  return {
    wsUrl: `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/v1/sync`,
    db: segment(q.get('db'), 'cairn-demo'),
    space: segment(q.get('space'), 'demo'),
    origin: o ? { lat: o[0]!, lon: o[1]!, alt: o[2]! } : DEFAULT_ORIGIN,
    align: isPose(align) ? align : null,
    token: q.get('token') ?? '',
  };
}

/** This page with a fresh replica name: a second "device" in another window of the same browser. */
export function anotherDeviceUrl(location: Location): string {
  const url = new URL(location.href);
  url.searchParams.set('db', `device-${Math.random().toString(36).slice(2, 6)}`);
  return url.toString();
}
