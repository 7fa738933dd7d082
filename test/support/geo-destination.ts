/** The point `distance` meters from `from` along `bearing` (radians; spherical, matching shared distanceM). */
import { EARTH_RADIUS_M, type LatLon } from '@cairn/shared';

const RAD = Math.PI / 180;

export function destination(from: LatLon, bearing: number, distance: number): LatLon {
  const d = distance / EARTH_RADIUS_M;
  const lat1 = from.lat * RAD;
  const lat2 = Math.asin(Math.sin(lat1) * Math.cos(d) + Math.cos(lat1) * Math.sin(d) * Math.cos(bearing));
  const dLon = Math.atan2(Math.sin(bearing) * Math.sin(d) * Math.cos(lat1), Math.cos(d) - Math.sin(lat1) * Math.sin(lat2));
  const lon = ((((from.lon + dLon / RAD + 180) % 360) + 360) % 360) - 180;
  return { lat: Math.max(-90, Math.min(90, lat2 / RAD)), lon };
}
