/**
 * CommitPath.quiet(), what the read model waits for before each pass: it resolves once no write has been in
 * flight for QUIET_IDLE_MS, and at the latest after its bound, so a steady stream of writes delays the read
 * model but never starves it. Driven on a fake clock (timers and performance.now), so nothing here depends
 * on how fast the machine is.
 */
import * as Y from 'yjs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { CommitOutcome } from '@cairn/server';
import { createCommitPath, QUIET_IDLE_MS } from '../../packages/server/src/commit/commit-path.js';
import type { GroupCommit } from '../../packages/server/src/commit/group-commit.js';
import type { Fanout } from '../../packages/server/src/fanout/fanout.js';
import type { Metrics } from '../../packages/server/src/metrics/metrics.js';
import type { Room } from '../../packages/server/src/room/room.js';
import type { Rooms } from '../../packages/server/src/room/rooms.js';

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
});
afterEach(() => {
  vi.useRealTimers();
});

function update(): Uint8Array {
  const doc = new Y.Doc();
  doc.getMap('m').set('k', 1);
  return Y.encodeStateAsUpdate(doc);
}

/** A commit path whose commits wait until the test lets them through; no room holds the doc. */
function heldPath() {
  const held: (() => void)[] = [];
  const group = {
    submit: () => new Promise<CommitOutcome>((resolve) => held.push(() => resolve({ kind: 'committed', version: held.length }))),
  } as unknown as GroupCommit;
  const rooms = { peek: () => undefined, acquire: async () => ({}) as Room, release: () => undefined } as unknown as Rooms;
  const fanout = { publish: async () => undefined } as unknown as Fanout;
  const metrics = { committed: { inc: () => undefined }, duplicates: { inc: () => undefined } } as unknown as Metrics;
  const path = createCommitPath({ group, rooms, fanout, metrics });
  const write = (seq: number) => path.write({ tenant: 't1', doc: 'site/cell/u09tvw0', clientId: 'c1', seq, actor: 'writer', update: update(), source: null });
  return { path, write, release: () => held.shift()?.() };
}

/** Whether the promise has settled after the microtasks queued so far ran. */
async function settled(p: Promise<unknown>): Promise<boolean> {
  let done = false;
  void p.then(() => (done = true));
  await vi.advanceTimersByTimeAsync(0);
  return done;
}

describe('the commit path says when it is quiet', () => {
  it('quiet() resolves at once on a path that has written nothing for a while', async () => {
    const { path } = heldPath();
    await vi.advanceTimersByTimeAsync(QUIET_IDLE_MS);
    expect(await settled(path.quiet())).toBe(true);
  });

  it('quiet() waits for the write in flight and then for the idle window after it', async () => {
    const { path, write, release } = heldPath();
    const w = write(1);
    const quiet = path.quiet(60_000);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(await settled(quiet)).toBe(false); // the write is still in flight
    release();
    await w;
    expect(await settled(quiet)).toBe(false); // idle for less than the window
    await vi.advanceTimersByTimeAsync(QUIET_IDLE_MS);
    expect(await settled(quiet)).toBe(true);
  });

  it('quiet() resolves at its bound under writes that never stop', async () => {
    const { path, write } = heldPath();
    void write(1);
    const quiet = path.quiet(2_000);
    await vi.advanceTimersByTimeAsync(1_999);
    expect(await settled(quiet)).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(await settled(quiet)).toBe(true);
  });
});
