/**
 * Region sync (DESIGN §6): a region holds the cell docs of its circle's cover. When it moves, the cells
 * of the new cover are opened at once and the cells it left are let go only after `hysteresisMs`; coming
 * back to a cell before then cancels its release. A device walking along a cell edge therefore keeps
 * both cells open instead of closing and reopening one at every step.
 *
 * A region holds one reference per cell (CellDocs counts them): a cell another region, or a write in
 * progress, still holds stays open when this region lets go of it.
 *
 *   cover ──move away──▶ leaving ──hysteresisMs──▶ released
 *     ▲                     │
 *     └─────move back───────┘
 */
import { CairnError } from '@cairn/shared';
import { createSerialQueue } from '../serial-queue.js';
import type { Timers } from '../socket/timers.js';
import { regionCells } from './region-cover.js';
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

  const moveTo = async (next: RegionInput): Promise<void> => {
    if (closed) throw new CairnError('BAD_REQUEST', 'the region is closed');
    const cells = regionCells(next, host.precision());
    for (const cell of cells) cancelLeave(cell);
    const toOpen = cells.filter((c) => !held.has(c));
    try {
      await host.acquire(toOpen);
    } catch (err) {
      await host.release(leaveOutside()); // back to the old cover's plan
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
