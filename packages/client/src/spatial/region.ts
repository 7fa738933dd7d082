/**
 * Region sync (DESIGN §6): a region holds the cell docs of its circle's cover. When it moves, the cells
 * of the new cover are opened at once and the cells it left are let go only after `hysteresisMs`; coming
 * back to a cell before then cancels its release. A device walking along a cell edge therefore keeps
 * both cells open instead of closing and reopening one at every step.
 *
 * A region holds one reference per cell (CellDocs counts them): a cell another region, or a write in
 * progress, still holds stays open when this region lets go of it.
 *
 * The cells kept for hysteresis are bounded too (MAX_KEPT_CELLS beyond a full cover, region-cover.ts says
 * why): when a move leaves more behind, the ones farthest from the new center go at once, and before the
 * new cells are subscribed, so the socket never holds more than the bound, not even during a long jump.
 *
 *   cover ──move away──▶ leaving ──hysteresisMs──▶ released
 *     ▲                     │
 *     └─────move back───────┘
 */
import { CairnError, cellBounds, distanceToRectM, type LatLon } from '@cairn/shared';
import { createSerialQueue } from '../serial-queue.js';
import type { Timers } from '../socket/timers.js';
import { MAX_KEPT_CELLS, MAX_REGION_CELLS, regionCells } from './region-cover.js';
import type { Region, RegionInput } from './space-api.js';

export const DEFAULT_HYSTERESIS_MS = 30_000;

export interface RegionHost {
  /** The space's partition precision now. */
  precision(): number;
  acquire(cells: readonly string[]): Promise<void>;
  release(cells: readonly string[]): Promise<void>;
  timers: Timers;
  onError(err: unknown): void;
  onClosed(region: ManagedRegion): void;
}

export interface ManagedRegion extends Region {
  /** Re-covers the last circle (the space's precision changed). */
  refresh(): Promise<void>;
}

export function checkHysteresis(ms: unknown): number {
  if (ms === undefined) return DEFAULT_HYSTERESIS_MS;
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) {
    throw new CairnError('BAD_REQUEST', `hysteresisMs must be a finite number >= 0 (got ${String(ms)})`);
  }
  return ms;
}

/** Opens the region's first cover; rejects (holding nothing) if it is too large or a cell fails to open. */
export async function openRegion(host: RegionHost, input: RegionInput, hysteresisMs: number): Promise<ManagedRegion> {
  const queue = createSerialQueue();
  const held = new Set<string>();
  const leaving = new Map<string, unknown>();
  let cover = new Set<string>();
  let last: RegionInput = { ...input };
  let closed = false;

  const cancelLeave = (cell: string): void => {
    const t = leaving.get(cell);
    if (t === undefined) return;
    host.timers.clearTimeout(t);
    leaving.delete(cell);
  };

  const letGo = (cell: string): void => {
    leaving.delete(cell);
    held.delete(cell);
    void host.release([cell]).catch(host.onError);
  };

  /** Schedules the release of cells held but outside the cover; with no hysteresis returns them instead. */
  const leaveOutside = (): string[] => {
    const now: string[] = [];
    for (const cell of held) {
      if (cover.has(cell) || leaving.has(cell)) continue;
      if (hysteresisMs === 0) now.push(cell);
      else leaving.set(cell, host.timers.setTimeout(() => letGo(cell), hysteresisMs));
    }
    for (const cell of now) held.delete(cell);
    return now;
  };

  /** Held cells outside the next cover beyond what may be kept, farthest from its center first. */
  const overBound = (next: ReadonlySet<string>, center: LatLon): string[] => {
    const outside = [...held].filter((c) => !next.has(c));
    const excess = outside.length - (MAX_REGION_CELLS + MAX_KEPT_CELLS - next.size);
    if (excess <= 0) return [];
    const dist = new Map(outside.map((c) => [c, distanceToRectM(center, cellBounds(c))]));
    return outside.sort((a, b) => dist.get(b)! - dist.get(a)!).slice(0, excess);
  };

  const moveTo = async (next: RegionInput): Promise<void> => {
    if (closed) throw new CairnError('BAD_REQUEST', 'the region is closed');
    const cells = regionCells(next, host.precision());
    const nextCover = new Set(cells);
    for (const cell of cells) cancelLeave(cell);
    const early = overBound(nextCover, next);
    for (const cell of early) {
      cancelLeave(cell);
      held.delete(cell);
    }
    await host.release(early);
    const toOpen = cells.filter((c) => !held.has(c));
    try {
      await host.acquire(toOpen);
    } catch (err) {
      // Back to the old plan: the cells let go early are held again (those outside the old cover leave anew).
      await host.acquire(early).then(() => early.forEach((c) => held.add(c)), host.onError);
      await host.release(leaveOutside());
      throw err;
    }
    for (const cell of toOpen) held.add(cell);
    cover = new Set(cells);
    last = { ...next };
    await host.release(leaveOutside());
  };

  const region: ManagedRegion = {
    get cells() {
      return [...held].sort();
    },
    move: (next) => queue.run(() => moveTo(next)),
    refresh: () => queue.run(() => (closed ? Promise.resolve() : moveTo(last))),
    close: () =>
      queue.run(async () => {
        if (closed) return;
        closed = true;
        for (const t of leaving.values()) host.timers.clearTimeout(t);
        leaving.clear();
        const all = [...held];
        held.clear();
        cover = new Set();
        host.onClosed(region);
        await host.release(all);
      }),
  };
  await region.move(input);
  return region;
}
