import { CairnError } from '../errors.js';

/**
 * Hybrid logical clock (Kulkarni et al. 2014) for last-writer-wins poses (X2). A timestamp is
 * `wwwwwwwwwwww-cccccc-node`: wall time in ms as 12 hex digits (good until the year 10889), a counter as
 * 6 hex digits, and the node id. Fixed widths make plain string order the clock order, so a Yjs map can
 * store the string and any replica can compare two without parsing; the node id breaks ties between
 * different nodes deterministically.
 *
 * The clock never runs backwards, whatever the wall clock does: `now()` is greater than every timestamp
 * this clock issued or received before. If the counter would overflow within one millisecond, the
 * logical wall time advances by 1 ms instead.
 */
export interface HlcTimestamp {
  wallMs: number;
  counter: number;
  nodeId: string;
}

export interface Hlc {
  readonly nodeId: string;
  /** A timestamp for a local or send event. */
  now(): string;
  /** Merges a timestamp received from elsewhere; returns the timestamp of the receive event. */
  receive(remote: string): string;
  /** The last timestamp issued, without advancing the clock. */
  last(): string;
}

const WALL_DIGITS = 12;
const COUNTER_DIGITS = 6;
const MAX_WALL = 16 ** WALL_DIGITS - 1;
const MAX_COUNTER = 16 ** COUNTER_DIGITS - 1;
const NODE_ID = /^[A-Za-z0-9._:~-]{1,64}$/;
const HLC = /^([0-9a-f]{12})-([0-9a-f]{6})-([A-Za-z0-9._:~-]{1,64})$/;

export function isHlc(s: unknown): s is string {
  return typeof s === 'string' && HLC.test(s);
}

export function encodeHlc(t: Readonly<HlcTimestamp>): string {
  if (!Number.isInteger(t.wallMs) || t.wallMs < 0 || t.wallMs > MAX_WALL) {
    throw new CairnError('BAD_REQUEST', `HLC wall time out of range: ${t.wallMs}`);
  }
  if (!Number.isInteger(t.counter) || t.counter < 0 || t.counter > MAX_COUNTER) {
    throw new CairnError('BAD_REQUEST', `HLC counter out of range: ${t.counter}`);
  }
  if (!NODE_ID.test(t.nodeId)) throw new CairnError('BAD_REQUEST', `bad HLC node id: ${JSON.stringify(t.nodeId.slice(0, 80))}`);
  return `${t.wallMs.toString(16).padStart(WALL_DIGITS, '0')}-${t.counter.toString(16).padStart(COUNTER_DIGITS, '0')}-${t.nodeId}`;
}

export function parseHlc(s: string): HlcTimestamp {
  const m = typeof s === 'string' ? HLC.exec(s) : null;
  if (!m) throw new CairnError('BAD_REQUEST', `not an HLC timestamp: ${JSON.stringify(String(s).slice(0, 100))}`);
  return { wallMs: parseInt(m[1]!, 16), counter: parseInt(m[2]!, 16), nodeId: m[3]! };
}

/** Total order of timestamps: negative if `a` happened before `b` (or ties before it by node id). */
export function compareHlc(a: string, b: string): -1 | 0 | 1 {
  parseHlc(a);
  parseHlc(b);
  return a < b ? -1 : a > b ? 1 : 0;
}

export function createHlc(nodeId: string, clock: () => number = Date.now): Hlc {
  if (!NODE_ID.test(nodeId)) throw new CairnError('BAD_REQUEST', `bad HLC node id: ${JSON.stringify(String(nodeId).slice(0, 80))}`);
  let wall = 0;
  let counter = 0;
  let issued = encodeHlc({ wallMs: 0, counter: 0, nodeId });

  const physical = (): number => {
    const t = Math.floor(clock());
    if (!Number.isFinite(t) || t < 0) throw new CairnError('INTERNAL', `clock returned ${String(t)}`);
    return Math.min(t, MAX_WALL);
  };

  // Advances to logical time (w, c); a counter overflow spills into the wall time.
  const advance = (w: number, c: number): string => {
    if (c > MAX_COUNTER) {
      w += 1;
      c = 0;
    }
    wall = w;
    counter = c;
    issued = encodeHlc({ wallMs: wall, counter, nodeId });
    return issued;
  };

  return {
    nodeId,
    now() {
      const pt = physical();
      return pt > wall ? advance(pt, 0) : advance(wall, counter + 1);
    },
    receive(remote) {
      const r = parseHlc(remote);
      const pt = physical();
      const w = Math.max(wall, r.wallMs, pt);
      if (w === wall && w === r.wallMs) return advance(w, Math.max(counter, r.counter) + 1);
      if (w === wall) return advance(w, counter + 1);
      if (w === r.wallMs) return advance(w, r.counter + 1);
      return advance(w, 0);
    },
    last: () => issued,
  };
}
