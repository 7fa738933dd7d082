/**
 * What a Store throws. Callers (the commit stage, /readyz) only need to know whether the same call may
 * work later: a request the schema refuses never will (BAD_REQUEST), anything else is the database being
 * unreachable or failing (STORE_UNAVAILABLE, retryable). The driver's message stays in `cause` and never
 * in the message, which may reach a client (S4).
 */
import { AssertionError, CairnError, isCairnError } from '@cairn/shared';
import { sqlState } from './sql-client.js';

/** SQLSTATE classes 22 (data exception: bad number, out of range) and 23 (integrity: CHECK, UNIQUE). */
function isRefusedInput(state: string | undefined): boolean {
  return state !== undefined && (state.startsWith('22') || state.startsWith('23'));
}

/** `refusable`: the call carries caller input the schema may refuse (not so for migrate and ping). */
export function toStoreError(err: unknown, refusable = true): CairnError {
  if (isCairnError(err)) return err;
  const state = sqlState(err);
  if (refusable && isRefusedInput(state)) {
    return new CairnError('BAD_REQUEST', `the store refused the request (SQLSTATE ${state})`, { cause: err });
  }
  return new CairnError('STORE_UNAVAILABLE', state ? `SQLSTATE ${state}` : undefined, { cause: err });
}

/** Runs a store operation and rethrows what it throws as a coded error; a broken invariant stays a bug. */
export async function guard<T>(op: () => Promise<T>, refusable = true): Promise<T> {
  try {
    return await op();
  } catch (err) {
    throw err instanceof AssertionError ? err : toStoreError(err, refusable);
  }
}
