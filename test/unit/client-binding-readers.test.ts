/**
 * C5/S7: a principal that may write nowhere binds no clientId. A binding only keeps another principal's
 * pushes from pre-claiming seqs, and a reader's pushes are refused anyway; claimed at every hello, the
 * bindings were a row per fresh id in cairn_client_owners that a read-only token could add forever by
 * reconnecting. (A writer still can: a cap per subject is not built.)
 */
import { describe, expect, it } from 'vitest';
import type { Principal } from '@cairn/server';
import { createClientBinding } from '../../packages/server/src/auth/client-binding.js';
import { countingClaims } from '../support/counting-claims.js';

const READER: Principal = { tenant: 't', subject: 'reader', spaces: { '*': 'r', a: 'r' } };
const WRITER_OF_A: Principal = { tenant: 't', subject: 'writer-a', spaces: { '*': 'r', a: 'rw' } };

describe('clientId bindings of readers', () => {
  it('C5: 1,000 hellos of a read-only principal with fresh ids add no binding to the Store', async () => {
    const { store, calls } = countingClaims();
    const binding = createClientBinding({ store });
    for (let i = 0; i < 1000; i++) expect(await binding.claim(READER, `reader-${i}-replica`)).toBe(true);
    expect(calls).toEqual([]);
  });

  it('C5: a principal that may write one space still binds its id, and a reader cannot take it over for writing later', async () => {
    const { store, calls } = countingClaims();
    const binding = createClientBinding({ store });
    expect(await binding.claim(WRITER_OF_A, 'replica-1')).toBe(true);
    expect(calls).toEqual(['replica-1']);
    expect(await binding.claim({ ...READER, spaces: { a: 'rw' } }, 'replica-1')).toBe(false);
  });

  it('C5: a reader still cannot say hello with an id of the /y form', async () => {
    const { store } = countingClaims();
    expect(await createClientBinding({ store }).claim(READER, 'yws-0123456789abcdef')).toBe(false);
  });
});
