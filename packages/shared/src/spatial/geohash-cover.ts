import { CairnError } from '../errors.js';
import { checkGeoBox, checkGeoCircle, circleRects, splitAntimeridian, type GeoBox, type GeoCircle } from './geo-box.js';
import { distanceToRectM, type GeoRect } from './geo-distance.js';
import { checkMaxCells, checkPrecision } from './geo-validate.js';
import { cellAt, cellRect, colOf, geohashGrid, rowOf, type GeohashGrid } from './geohash-grid.js';

/**
 * Geohash covers for region sync (DESIGN §6): the distinct cells that together contain a region. Cells
 * are listed from the grid's rows and columns, never by walking neighbours, so a cell is never listed
 * twice (at a pole every column of the top row touches the same point) and the antimeridian is just the
 * split of one range into two. When the region needs more than `maxCells` cells, the precision drops
 * one character at a time; `precision` in the result is the one used.
 */
export interface GeohashCover {
  cells: string[];
  precision: number;
}

interface Span {
  row0: number;
  row1: number;
  cols: [number, number][];
}

/** Rows and (merged, disjoint) column ranges of the cells meeting any of the rectangles. */
function spanOf(grid: GeohashGrid, rects: GeoRect[]): Span {
  const row0 = Math.min(...rects.map((r) => rowOf(grid, r.minLat)));
  const row1 = Math.max(...rects.map((r) => rowOf(grid, r.maxLat)));
  const ranges = rects
    .map((r): [number, number] => [colOf(grid, r.minLon), colOf(grid, r.maxLon)])
    .sort((a, b) => a[0] - b[0]);
  const cols: [number, number][] = [];
  for (const [a, b] of ranges) {
    const last = cols[cols.length - 1];
    if (last && a <= last[1] + 1) last[1] = Math.max(last[1], b);
    else cols.push([a, b]);
  }
  return { row0, row1, cols };
}

function spanSize(s: Span): number {
  return (s.row1 - s.row0 + 1) * s.cols.reduce((n, [a, b]) => n + b - a + 1, 0);
}

function* spanCells(s: Span): Generator<[number, number]> {
  for (let row = s.row0; row <= s.row1; row++) {
    for (const [a, b] of s.cols) for (let col = a; col <= b; col++) yield [row, col];
  }
}

function tooLarge(maxCells: number): CairnError {
  return new CairnError('BAD_REQUEST', `the region needs more than ${maxCells} geohash cells even at precision 1`);
}

/** Cells covering the box. `minLon > maxLon` crosses the antimeridian. */
export function coverBox(box: Readonly<GeoBox>, precision: number, maxCells = 12): GeohashCover {
  checkGeoBox(box);
  checkPrecision(precision);
  checkMaxCells(maxCells);
  const rects = splitAntimeridian(box);
  for (let p = precision; p >= 1; p--) {
    const grid = geohashGrid(p);
    const span = spanOf(grid, rects);
    if (spanSize(span) > maxCells) continue;
    const cells = Array.from(spanCells(span), ([row, col]) => cellAt(grid, row, col));
    return { cells: cells.sort(), precision: p };
  }
  throw tooLarge(maxCells);
}

// A cell closer than radius + slack counts as touching: rounding may then add a cell that only grazes
// the circle, but never drop one that holds a point inside it.
const SLACK_M = 1e-3;
const SLACK_REL = 1e-9;

/** Cells covering every point within `radiusM` (great-circle) of the center. */
export function coverCircle(circle: Readonly<GeoCircle>, precision: number, maxCells = 12): GeohashCover {
  checkGeoCircle(circle);
  checkPrecision(precision);
  checkMaxCells(maxCells);
  const rects = circleRects(circle);
  const reach = circle.radiusM * (1 + SLACK_REL) + SLACK_M;
  for (let p = precision; p >= 1; p--) {
    const grid = geohashGrid(p);
    const span = spanOf(grid, rects);
    // Every row and column of the circle's bounding rectangles meets the circle, so a cover within
    // maxCells has at most maxCells rows and columns (plus one each way for the margins).
    if (spanSize(span) > (maxCells + 2) ** 2) continue;
    const cells: string[] = [];
    for (const [row, col] of spanCells(span)) {
      if (distanceToRectM(circle, cellRect(grid, row, col)) > reach) continue;
      cells.push(cellAt(grid, row, col));
      if (cells.length > maxCells) break;
    }
    if (cells.length <= maxCells) return { cells: cells.sort(), precision: p };
  }
  throw tooLarge(maxCells);
}
