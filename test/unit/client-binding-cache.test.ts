/**
 * C5: a node caches the clientId bindings it confirmed, so a reconnect costs no Store query, and the cache
 * stays within its bound.
 */
import { describe, expect, it } from 'vitest';
import type { Principal } from '@cairn/server';
import { createClientBinding } from '../../packages/server/src/auth/client-binding.js';
import { countingClaims } from '../support/counting-claims.js';

const ALICE: Principal = { tenant: 't', subject: 'alice', spaces: { '*': 'rw' } };
const BOB: Principal = { tenant: 't', subject: 'bob', spaces: { '*': 'rw' } };

describe('the clientId binding cache', () => {
  it('C5: a confirmed binding, the owner\'s or another\'s, is answered from memory', async () => {
    const { store, calls } = countingClaims();
    const binding = createClientBinding({ store });
    expect(await binding.claim(ALICE, 'replica-1')).toBe(true);
    expect(await binding.claim(ALICE, 'replica-1')).toBe(true);
    expect(await binding.claim(BOB, 'replica-1')).toBe(false);
    expect(calls).toEqual(['replica-1']);
  });

  it('C5: the cache holds at most maxCached bindings, dropping the least recently used', async () => {
    const { store, calls } = countingClaims();
    const binding = createClientBinding({ store, maxCached: 2 });
    for (const id of ['replica-1', 'replica-2', 'replica-1', 'replica-3']) await binding.claim(ALICE, id);
    expect(calls).toEqual(['replica-1', 'replica-2', 'replica-3']);
    // replica-2 was the coldest when replica-3 came in; replica-1 was used since.
    await binding.claim(ALICE, 'replica-1');
    await binding.claim(BOB, 'replica-2');
    expect(calls).toEqual(['replica-1', 'replica-2', 'replica-3', 'replica-2']);
  });

  it('C5: an id of the /y form is refused without asking the Store', async () => {
    const { store, calls } = countingClaims();
    const binding = createClientBinding({ store });
    expect(await binding.claim(ALICE, 'yws-0123456789abcdef')).toBe(false);
    expect(calls).toEqual([]);
  });
});
