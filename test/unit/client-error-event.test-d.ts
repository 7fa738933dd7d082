/**
 * The static side of client-error-event.test.ts: an app's `error` handler is typed, so `err.code` narrows to
 * the catalog's codes without a cast. Vitest's typecheck mode checks it against src (vitest.config.ts),
 * `npm run typecheck` against the built .d.ts; a payload typed `unknown` or `Error` again fails here.
 */
import { describe, expectTypeOf, it } from 'vitest';
import {
  isCairnError, UndeliverableError, type CairnClient, type CairnClientEvents, type CairnError, type ErrorCode,
} from '@cairn/client';
import type { CairnError as SharedCairnError, ErrorCode as SharedErrorCode } from '@cairn/shared';

declare const client: CairnClient;

describe('the client error event type', () => {
  it('S4: the error event payload is a CairnError, the same type @cairn/shared declares', () => {
    expectTypeOf<CairnClientEvents['error']>().toEqualTypeOf<CairnError>();
    expectTypeOf<CairnError>().toEqualTypeOf<SharedCairnError>();
    expectTypeOf<ErrorCode>().toEqualTypeOf<SharedErrorCode>();
  });

  it('S4: a handler gets code: ErrorCode, retryable and message without a cast', () => {
    client.on('error', (err) => {
      expectTypeOf(err).toEqualTypeOf<CairnError>();
      expectTypeOf(err.code).toEqualTypeOf<ErrorCode>();
    });
    expectTypeOf<CairnError['code']>().toEqualTypeOf<ErrorCode>();
    expectTypeOf<CairnError['retryable']>().toEqualTypeOf<boolean>();
    expectTypeOf<CairnError['message']>().toEqualTypeOf<string>();
    expectTypeOf<'UNREACHABLE'>().toExtend<ErrorCode>();
    expectTypeOf<'NOT_A_CODE'>().not.toExtend<ErrorCode>();
  });

  it('isCairnError narrows unknown to CairnError; UndeliverableError is one', () => {
    expectTypeOf(isCairnError).guards.toEqualTypeOf<CairnError>();
    expectTypeOf<UndeliverableError>().toExtend<CairnError>();
  });
});
