/**
 * The read model's cache of replayed docs is bounded by count, by bytes and by idle time (issue 12: after a
 * 100,000-anchor burst the copies were a second in-memory copy of every cell doc). A dropped copy is only
 * dropped, never destroyed: a pass may still be replaying into it.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import * as Y from 'yjs';
import { createDocCache } from '../../packages/server/src/readmodel/doc-cache.js';
import type { ReplayedDoc } from '../../packages/server/src/readmodel/doc-replay.js';

const copy = (bytes: number): ReplayedDoc => ({ ydoc: new Y.Doc(), version: 1, bytes });

describe('read model doc cache', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('drops the least recently used copy past maxDocs', () => {
    const c = createDocCache({ maxDocs: 2, maxBytes: Infinity, idleMs: 0 });
    const a = copy(1);
    c.set('a', a);
    c.set('b', copy(1));
    expect(c.get('a')).toBe(a); // a is now the most recently used
    c.set('c', copy(1));
    expect(c.get('b')).toBeUndefined();
    expect(c.get('a')).toBe(a);
    expect(c.size).toBe(2);
    c.close();
  });

  it('drops least recently used copies past maxBytes, counting growth when a copy is set again', () => {
    const c = createDocCache({ maxDocs: 100, maxBytes: 1000, idleMs: 0 });
    const a = copy(400);
    const b = copy(400);
    c.set('a', a);
    c.set('b', b);
    expect(c.bytes).toBe(800);
    b.bytes = 700; // b replayed more versions; the updater sets it again after the replay
    c.set('b', b);
    expect(c.get('a')).toBeUndefined();
    expect(c.get('b')).toBe(b);
    expect(c.bytes).toBe(700);
    c.set('huge', copy(5000)); // bigger than the bound alone: nothing is kept, the pass still holds its copy
    expect(c.size).toBe(0);
    expect(c.bytes).toBe(0);
    c.close();
  });

  it('drops copies no pass used for idleMs, keeps those in use, and leaves the doc usable', () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'performance'] });
    const c = createDocCache({ maxDocs: 100, maxBytes: Infinity, idleMs: 1000 });
    const hot = copy(10);
    const cold = copy(10);
    c.set('hot', hot);
    c.set('cold', cold);
    for (let i = 0; i < 6; i++) {
      vi.advanceTimersByTime(400);
      expect(c.get('hot')).toBe(hot);
    }
    expect(c.get('cold')).toBeUndefined();
    expect(c.size).toBe(1);
    vi.advanceTimersByTime(1600);
    expect(c.size).toBe(0);
    expect(cold.ydoc.isDestroyed).toBe(false);
    cold.ydoc.getMap('m').set('k', 1); // dropped, not destroyed: a pass replaying into it is unharmed
    expect(cold.ydoc.getMap('m').get('k')).toBe(1);
    expect(vi.getTimerCount()).toBe(0); // the sweep stops once the cache is empty
    c.close();
  });

  it('idleMs 0 never drops a copy for being idle', () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'performance'] });
    const c = createDocCache({ maxDocs: 100, maxBytes: Infinity, idleMs: 0 });
    const a = copy(10);
    c.set('a', a);
    vi.advanceTimersByTime(60_000);
    expect(c.get('a')).toBe(a);
    expect(vi.getTimerCount()).toBe(0);
    c.close();
    expect(c.size).toBe(0);
  });
});
