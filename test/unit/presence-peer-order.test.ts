/**
 * P4: the receiver's peer table. Records overtaken on their way (seq not above the last) are dropped, but an
 * older record's state still counts when the state held is older still (a joiner gets a peer's cached pose
 * record and its cached state record in either order); a leave counts only from the peer's current cell;
 * the server's leave (seq 0) removes the peer; the latest record wins whatever the cell.
 */
import { describe, expect, it } from 'vitest';
import type { PresenceRecord } from '@cairn/shared';
import { createPeerTable } from '../../packages/client/src/presence/peer-table.js';
import { createManualTimers } from './support/client-harness.js';

const head = (x: number) => ({ p: [x, 1.6, 0] as [number, number, number], q: [0, 0, 0, 1] as [number, number, number, number] });

function table() {
  const timers = createManualTimers();
  const t = createPeerTable({ timers, now: () => timers.now, timeoutMs: () => 5000 });
  const events: string[] = [];
  for (const ev of ['join', 'change', 'leave'] as const) t.on(ev, (p) => events.push(`${ev}:${p.cell}:${p.head?.p[0] ?? '-'}`));
  const rec = (cell: string, r: PresenceRecord) => t.received(cell, 'p1', 'u1', r);
  return { t, events, rec, timers };
}

describe('presence: the peer table', () => {
  it('P4: a record with a seq not above the last one is dropped', () => {
    const { t, events, rec } = table();
    rec('a', { seq: 5, head: head(5) });
    rec('a', { seq: 3, head: head(3) });
    rec('a', { seq: 5, head: head(55) });
    rec('a', { seq: 6, head: head(6) });
    expect(events).toEqual(['join:a:5', 'change:a:6']);
    expect(t.get('p1')?.head?.p[0]).toBe(6);
  });

  it("P4: an older record's state counts when the state held is older, its poses do not", () => {
    const { t, rec } = table();
    rec('a', { seq: 9, head: head(9) }); // the cached pose record first
    rec('a', { seq: 4, head: head(4), state: { name: 'ada' } }); // then the cached state record
    expect(t.get('p1')).toMatchObject({ head: head(9), state: { name: 'ada' } });
    rec('a', { seq: 2, head: head(2), state: { name: 'stale' } });
    expect(t.get('p1')?.state).toEqual({ name: 'ada' });
  });

  it("P4: a leave counts only from the peer's current cell; the server's seq-0 leave removes it", () => {
    const { t, events, rec } = table();
    rec('a', { seq: 1, head: head(1) });
    rec('b', { seq: 2, head: head(2) }); // crossed into b
    rec('a', { seq: 3, leave: true }); // its leave to a
    expect(t.peers().map((p) => p.cell)).toEqual(['b']);
    rec('b', { seq: 0, leave: true });
    expect(t.peers()).toEqual([]);
    expect(events).toEqual(['join:a:1', 'change:b:2', 'leave:b:2']);
  });

  it('P4: a peer of a cell this device stopped subscribing to leaves; close() lets every peer leave', () => {
    const { t, events, rec } = table();
    rec('a', { seq: 1, head: head(1) });
    t.received('b', 'p2', '', { seq: 1, head: head(7) });
    t.cellClosed('a');
    expect(t.peers().map((p) => p.peer)).toEqual(['p2']);
    t.close();
    expect(t.peers()).toEqual([]);
    expect(events).toEqual(['join:a:1', 'join:b:7', 'leave:a:1', 'leave:b:7']);
  });

  it('P4: each peer times out presenceTimeoutMs after its own last record', () => {
    const { t, rec, timers } = table();
    rec('a', { seq: 1, head: head(1) });
    timers.advance(3000);
    t.received('a', 'p2', '', { seq: 1, head: head(2) });
    timers.advance(1999);
    rec('a', { seq: 2, head: head(1) }); // p1 renewed at 4999
    timers.advance(3000); // 7999
    expect(t.peers().map((p) => p.peer)).toEqual(['p1', 'p2']);
    timers.advance(1); // 8000: p2 (last at 3000) is gone, p1 (4999) is not
    expect(t.peers().map((p) => p.peer)).toEqual(['p1']);
    timers.advance(1998);
    expect(t.peers().map((p) => p.peer)).toEqual(['p1']);
    timers.advance(1); // 9999
    expect(t.peers()).toEqual([]);
  });
});
