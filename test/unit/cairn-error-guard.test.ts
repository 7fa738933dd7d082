/**
 * S4: `isCairnError` recognises a CairnError from any copy of @cairn/shared (an app bundle can hold two:
 * two versions, or an ESM and a bundled one), where `instanceof` sees only its own copy's class; and
 * `toCairnError` gives every foreign error a catalog code while keeping it as the cause.
 */
import { describe, expect, it, vi } from 'vitest';
import { CairnError, ErrorCodes, isCairnError, toCairnError } from '@cairn/shared';
import { UndeliverableError } from '@cairn/client';

/** A fresh evaluation of errors.ts: a second copy of the module, with a class of its own. */
async function secondCopy(): Promise<typeof import('../../packages/shared/src/errors.js')> {
  vi.resetModules();
  return import('../../packages/shared/src/errors.js');
}

describe('isCairnError', () => {
  it('S4: a CairnError made by another copy of the module is one, though instanceof says no', async () => {
    const other = await secondCopy();
    expect(other.CairnError).not.toBe(CairnError);
    const foreign = new other.CairnError('READ_ONLY', 'space s');
    expect(foreign instanceof CairnError).toBe(false);
    expect(isCairnError(foreign)).toBe(true);
    // And the other way round.
    expect(other.isCairnError(new CairnError('OVERLOADED'))).toBe(true);
  });

  it('S4: subclasses count (UndeliverableError), look-alikes do not', () => {
    expect(isCairnError(new UndeliverableError([{ seq: 1, doc: 's/d', code: 'READ_ONLY' }]))).toBe(true);
    const lookAlike = Object.assign(new Error('internal error'), { name: 'CairnError', code: 'INTERNAL', retryable: true });
    expect(isCairnError(lookAlike)).toBe(false);
    expect(isCairnError({ name: 'CairnError', code: 'INTERNAL', retryable: true, message: 'x' })).toBe(false);
    for (const v of [null, undefined, 'INTERNAL', 19, new Error('boom')]) expect(isCairnError(v)).toBe(false);
  });

  it('S4: a branded error with a code this catalog does not know is not one (its code could not be looked up)', async () => {
    const other = await secondCopy();
    const fromNewerCopy = new other.CairnError('INTERNAL');
    Object.defineProperty(fromNewerCopy, 'code', { value: 'SOME_FUTURE_CODE' });
    expect(isCairnError(fromNewerCopy)).toBe(false);
  });

  it('S4: the brand lives on the prototype: a CairnError has no own property beyond code, retryable, name and message', () => {
    const err = new CairnError('BAD_REQUEST', 'x');
    expect(Object.getOwnPropertySymbols(err)).toEqual([]);
    expect(JSON.parse(JSON.stringify(err))).toEqual({ name: 'CairnError', code: 'BAD_REQUEST', retryable: false });
  });
});

describe('toCairnError', () => {
  it('S4: a CairnError passes through unchanged, from any copy', async () => {
    const own = new CairnError('RATE_LIMITED');
    expect(toCairnError(own)).toBe(own);
    const other = await secondCopy();
    const foreign = new other.CairnError('SHUTTING_DOWN');
    expect(toCairnError(foreign)).toBe(foreign);
  });

  it('S4: anything else becomes INTERNAL (or the code given), with the original as cause and its text in the message', () => {
    const boom = new RangeError('offset out of range');
    const wrapped = toCairnError(boom);
    expect(wrapped).toBeInstanceOf(CairnError);
    expect(wrapped).toMatchObject({ code: 'INTERNAL', retryable: ErrorCodes.INTERNAL.retryable, cause: boom });
    expect(wrapped.message).toBe(`${ErrorCodes.INTERNAL.message}: RangeError: offset out of range`);

    expect(toCairnError('no socket', 'UNREACHABLE')).toMatchObject({ code: 'UNREACHABLE', retryable: true, cause: 'no socket' });
    const bare = Object.create(null) as object; // String() throws on it
    expect(toCairnError(bare)).toMatchObject({ code: 'INTERNAL', message: `${ErrorCodes.INTERNAL.message}: [object Object]`, cause: bare });
  });
});
