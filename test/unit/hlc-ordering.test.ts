import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareHlc, createHlc, encodeHlc, isHlc, parseHlc } from '@cairn/shared';

const seed = Number(process.env.SEED ?? 1978);
console.info(`hlc-ordering seed=${seed} (SEED=${seed} reproduces)`);
const runs = { seed, numRuns: 300 };

// A wall clock that jumps around, as device clocks do (NTP steps, manual changes, sleeps).
const jumpyClock = (steps: number[]) => {
  let t = 1_700_000_000_000;
  let i = 0;
  return () => (t += steps[i++ % steps.length] ?? 0);
};

type Op = { kind: 'now'; node: number } | { kind: 'send'; from: number; to: number };
const op = fc.oneof(
  fc.record({ kind: fc.constant('now' as const), node: fc.integer({ min: 0, max: 2 }) }),
  fc.record({ kind: fc.constant('send' as const), from: fc.integer({ min: 0, max: 2 }), to: fc.integer({ min: 0, max: 2 }) }),
) as fc.Arbitrary<Op>;

describe('hybrid logical clock (X2: the later HLC wins)', () => {
  it('X2: every clock is strictly monotonic and a receive orders after the message, whatever the wall clocks do', () => {
    const steps = fc.array(fc.integer({ min: -5000, max: 5000 }), { minLength: 1, maxLength: 8 });
    fc.assert(
      fc.property(fc.array(steps, { minLength: 3, maxLength: 3 }), fc.array(op, { maxLength: 80 }), (clocks, ops) => {
        const nodes = clocks.map((s, i) => createHlc(`node-${i}`, jumpyClock(s)));
        const last = nodes.map((n) => n.last());
        for (const o of ops) {
          if (o.kind === 'now') {
            const t = nodes[o.node]!.now();
            expect(compareHlc(t, last[o.node]!)).toBe(1);
            last[o.node] = t;
          } else {
            const sent = nodes[o.from]!.now();
            expect(compareHlc(sent, last[o.from]!)).toBe(1);
            last[o.from] = sent;
            const received = nodes[o.to]!.receive(sent);
            expect(compareHlc(received, sent)).toBe(1);
            expect(compareHlc(received, last[o.to]!)).toBe(1);
            last[o.to] = received;
          }
        }
        for (let i = 0; i < nodes.length; i++) expect(nodes[i]!.last()).toBe(last[i]);
      }),
      runs,
    );
  });

  it('string order is (wall, counter, node) order', () => {
    const ts = fc.record({
      wallMs: fc.integer({ min: 0, max: 2 ** 47 }),
      counter: fc.integer({ min: 0, max: 0xffffff }),
      nodeId: fc.stringMatching(/^[a-z0-9]{1,12}$/),
    });
    fc.assert(
      fc.property(ts, ts, (a, b) => {
        const tuple = a.wallMs - b.wallMs || a.counter - b.counter || (a.nodeId < b.nodeId ? -1 : a.nodeId > b.nodeId ? 1 : 0);
        expect(compareHlc(encodeHlc(a), encodeHlc(b))).toBe(Math.sign(tuple));
        expect(parseHlc(encodeHlc(a))).toEqual(a);
      }),
      runs,
    );
  });

  it('follows the physical clock when it is ahead, and counts within one millisecond', () => {
    let t = 1000;
    const hlc = createHlc('a', () => t);
    expect(parseHlc(hlc.now())).toEqual({ wallMs: 1000, counter: 0, nodeId: 'a' });
    expect(parseHlc(hlc.now())).toEqual({ wallMs: 1000, counter: 1, nodeId: 'a' });
    t = 500;
    expect(parseHlc(hlc.now())).toEqual({ wallMs: 1000, counter: 2, nodeId: 'a' });
    t = 2000;
    expect(parseHlc(hlc.now())).toEqual({ wallMs: 2000, counter: 0, nodeId: 'a' });
    expect(parseHlc(hlc.receive(encodeHlc({ wallMs: 5000, counter: 7, nodeId: 'b' })))).toEqual({ wallMs: 5000, counter: 8, nodeId: 'a' });
    expect(parseHlc(hlc.receive(encodeHlc({ wallMs: 100, counter: 0, nodeId: 'b' })))).toEqual({ wallMs: 5000, counter: 9, nodeId: 'a' });
  });

  it('spills a full counter into the wall time instead of overflowing', () => {
    const hlc = createHlc('a', () => 10);
    const r = hlc.receive(encodeHlc({ wallMs: 10, counter: 0xffffff, nodeId: 'b' }));
    expect(parseHlc(r)).toEqual({ wallMs: 11, counter: 0, nodeId: 'a' });
    expect(compareHlc(hlc.now(), r)).toBe(1);
  });

  it('rejects malformed timestamps and node ids with BAD_REQUEST', () => {
    for (const bad of ['', 'zz', '0000000003e8-000000-', '0000000003E8-000000-a', '3e8-0-a', '0000000003e8-000000-a b']) {
      expect(isHlc(bad)).toBe(false);
      expect(() => parseHlc(bad)).toThrow(expect.objectContaining({ code: 'BAD_REQUEST' }));
    }
    expect(() => createHlc('')).toThrow(expect.objectContaining({ code: 'BAD_REQUEST' }));
    expect(() => createHlc('has space')).toThrow(expect.objectContaining({ code: 'BAD_REQUEST' }));
    expect(() => compareHlc('nope', encodeHlc({ wallMs: 1, counter: 0, nodeId: 'a' }))).toThrow(expect.objectContaining({ code: 'BAD_REQUEST' }));
    expect(() => createHlc('a').receive('garbage')).toThrow(expect.objectContaining({ code: 'BAD_REQUEST' }));
  });
});
