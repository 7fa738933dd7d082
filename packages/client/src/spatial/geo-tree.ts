import RBush from 'rbush';
import { circleRects, distanceM, type GeoCircle, type GeoFrame } from '@cairn/shared';

/**
 * A second R-tree, over (longitude, latitude), for great-circle queries. Circles near the antimeridian
 * or a pole are not discs in the local frame, but their latitude/longitude bounding rectangles (split
 * at ±180, widened to all longitudes around a pole; shared `circleRects`) are exact, so search by
 * rectangle, then keep what the haversine distance admits. Built on first use, so replicas that never
 * ask geo queries never pay for converting every anchor.
 */
export interface GeoItem<E> {
  minX: number;
  minY: number;
  maxX: number;
  maxY: number;
  lat: number;
  lon: number;
  entry: E;
}

export interface GeoTree<E> {
  readonly frame: GeoFrame;
  load(items: { id: string; entry: E; p: [number, number, number] }[]): void;
  insert(id: string, entry: E, p: Readonly<[number, number, number]>): void;
  remove(id: string): void;
  coords(id: string): { lat: number; lon: number } | undefined;
  search(circle: Readonly<GeoCircle>): E[];
}

export function createGeoTree<E>(frame: GeoFrame): GeoTree<E> {
  const tree = new RBush<GeoItem<E>>();
  const byId = new Map<string, GeoItem<E>>();

  const make = (entry: E, p: Readonly<[number, number, number]>): GeoItem<E> => {
    const { lat, lon } = frame.toGeo(p);
    return { minX: lon, minY: lat, maxX: lon, maxY: lat, lat, lon, entry };
  };

  const remove = (id: string): void => {
    const item = byId.get(id);
    if (!item) return;
    tree.remove(item);
    byId.delete(id);
  };

  return {
    frame,
    load(items) {
      const fresh: GeoItem<E>[] = [];
      for (const { id, entry, p } of items) {
        remove(id);
        const item = make(entry, p);
        byId.set(id, item);
        fresh.push(item);
      }
      tree.load(fresh);
    },
    insert(id, entry, p) {
      remove(id);
      const item = make(entry, p);
      byId.set(id, item);
      tree.insert(item);
    },
    remove,
    coords(id) {
      const item = byId.get(id);
      return item && { lat: item.lat, lon: item.lon };
    },
    search(circle) {
      const found = new Set<GeoItem<E>>();
      for (const r of circleRects(circle)) {
        for (const item of tree.search({ minX: r.minLon, minY: r.minLat, maxX: r.maxLon, maxY: r.maxLat })) {
          if (distanceM(circle, item) <= circle.radiusM) found.add(item);
        }
      }
      return Array.from(found, (item) => item.entry);
    },
  };
}
