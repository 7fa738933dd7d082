/**
 * The demo's default anchor labels: `Pin <n>·<tag>`, numbered per device and tagged from the replica id,
 * so two devices that create anchors offline do not both make "Pin 5" (the merge e2e is
 * e2e/demo-sizes.spec.ts). Pure functions: deterministic for the same replica and the same anchors.
 */
import { describe, expect, it } from 'vitest';
import type { SpaceAnchor } from '@cairn/client';
import { defaultLabel, deviceTag } from '../../demo/src/default-label.js';
import { prng } from '../support/prng.js';

const seed = Number(process.env.SEED ?? 1011);
console.info(`demo-default-label seed=${seed} (SEED=${seed} reproduces)`);

function replicaId(r: ReturnType<typeof prng>): string {
  return Array.from({ length: 32 }, () => r.int(16).toString(16)).join('');
}

function labelled(...labels: unknown[]): SpaceAnchor[] {
  return labels.map((label, i) => ({ id: `a${i}`, props: label === undefined ? {} : { label } }) as unknown as SpaceAnchor);
}

describe('default labels', () => {
  it('labels: the same replica id always gives the same short tag; different ids almost always differ', () => {
    const r = prng(seed);
    const ids = Array.from({ length: 64 }, () => replicaId(r));
    const tags = ids.map(deviceTag);
    expect(ids.map(deviceTag), `seed=${seed}`).toEqual(tags);
    for (const tag of tags) expect(tag, `seed=${seed}`).toMatch(/^[0-9a-hj-km-np-z]{3}$/);
    // 64 devices over 32,768 tags: 0.06 collisions expected; more than two means the hash lost bits.
    expect(new Set(tags).size, `seed=${seed}`).toBeGreaterThanOrEqual(62);
  });

  it('labels: a device numbers its own pins after the highest it shows, ignoring other devices and renamed ones', () => {
    const me = 'f3a9c0de11223344556677889900aabb';
    const tag = deviceTag(me);
    const other = tag === 'zzz' ? 'yyy' : 'zzz';
    expect(defaultLabel(me, [])).toBe(`Pin 1·${tag}`);
    const shown = labelled(`Pin 1·${tag}`, `Pin 3·${tag}`, `Pin 9·${other}`, 'Door', undefined, 42, `Pin 12 ${tag}`);
    expect(defaultLabel(me, shown)).toBe(`Pin 4·${tag}`);
    // A peer's absurd number is not ours to continue: the label stays short.
    expect(defaultLabel(me, labelled(`Pin 2·${tag}`, `Pin 99999999999999999999·${tag}`))).toBe(`Pin 3·${tag}`);
    // Deleting the highest frees its number; no anchor shown holds it, so there is no clash.
    expect(defaultLabel(me, shown.slice(0, 1))).toBe(`Pin 2·${tag}`);
  });

  it('labels: two replicas that start from the same anchors offline get different labels', () => {
    const r = prng(seed + 1);
    const [a, b] = [replicaId(r), replicaId(r)];
    const shared = labelled(`Pin 1·${deviceTag(a)}`, `Pin 1·${deviceTag(b)}`);
    expect(defaultLabel(a, shared), `seed=${seed}`).not.toBe(defaultLabel(b, shared));
  });

  it('labels: no replica id yet, no label (the page names the anchor from its id)', () => {
    expect(defaultLabel(null, labelled('Pin 1·abc'))).toBeNull();
  });
});
