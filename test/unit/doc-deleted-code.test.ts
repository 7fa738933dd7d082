/**
 * L2 on the wire: DOC_DELETED (35) travels in `reject {seq?, doc, code}` with no new frame type, and a
 * session of a client that predates the code is sent one it already handles safely (O7): a client that
 * reads 35 as INTERNAL (retryable) would keep a refused push only until an ack covering its seq deleted it.
 */
import { describe, expect, it } from 'vitest';
import * as encoding from 'lib0/encoding';
import {
  DOC_DELETED_MIN_PROTOCOL_VERSION, ErrorCodes, FrameType, MIN_PROTOCOL_VERSION, PROTOCOL_VERSION, decodeFrame, encodeFrame, isRetryable, rejectFrame, wireCodeFor,
} from '@cairn/shared';
import { decodeDeletionMessage, encodeDeletionMessage } from '../../packages/server/src/deletion/deletion-message.js';

describe('DOC_DELETED on the wire', () => {
  it('L2: code 35, not retryable, round-trips in a reject with a doc and with or without a seq', () => {
    expect(ErrorCodes.DOC_DELETED).toMatchObject({ num: 35, retryable: false });
    expect(isRetryable('DOC_DELETED')).toBe(false);
    for (const frame of [rejectFrame('DOC_DELETED', { doc: 'site/notes' }), rejectFrame('DOC_DELETED', { seq: 7, doc: 'site/notes' })]) {
      expect(decodeFrame(encodeFrame(frame))).toEqual(frame);
    }
    // Byte for byte: type 6, code 35, flags (seq 0x01 | doc 0x02), seq, doc, message.
    const bytes = encodeFrame(rejectFrame('DOC_DELETED', { seq: 7, doc: 's/d', message: 'm' }));
    const enc = encoding.createEncoder();
    encoding.writeVarUint(enc, FrameType.reject);
    encoding.writeVarUint(enc, 35);
    encoding.writeUint8(enc, 3);
    encoding.writeVarUint(enc, 7);
    encoding.writeVarString(enc, 's/d');
    encoding.writeVarString(enc, 'm');
    expect([...bytes]).toEqual([...encoding.toUint8Array(enc)]);
  });

  it('L2/O7: a session older than the code is sent FORBIDDEN (dead-lettered by every version) instead; others get DOC_DELETED', () => {
    for (let v = MIN_PROTOCOL_VERSION; v <= PROTOCOL_VERSION; v++) {
      const expected = v < DOC_DELETED_MIN_PROTOCOL_VERSION ? 'FORBIDDEN' : 'DOC_DELETED';
      expect([v, wireCodeFor('DOC_DELETED', v)]).toEqual([v, expected]);
      expect(isRetryable(wireCodeFor('DOC_DELETED', v))).toBe(false);
      // Every other code goes as it is.
      expect(wireCodeFor('READ_ONLY', v)).toBe('READ_ONLY');
    }
    expect(DOC_DELETED_MIN_PROTOCOL_VERSION).toBeGreaterThan(MIN_PROTOCOL_VERSION);
    expect(DOC_DELETED_MIN_PROTOCOL_VERSION).toBeLessThanOrEqual(PROTOCOL_VERSION);
  });

  it('L2/F2: the bus message of a deletion round-trips; anything else decodes to null (dropped, never thrown)', () => {
    for (const m of [
      { kind: 'deleted', nodeId: 'n1', tenant: 't', space: 'site', doc: null },
      { kind: 'purged', nodeId: 'n1', tenant: 't', space: 'site', doc: 'site/cell/u4pruyd' },
      { kind: 'restored', nodeId: 'n2', tenant: 't', space: 'site', doc: 'site/notes' },
    ] as const) {
      expect(decodeDeletionMessage(encodeDeletionMessage(m))).toEqual(m);
    }
    const bad = encodeDeletionMessage({ kind: 'deleted', nodeId: 'n', tenant: 't', space: 'site', doc: 'other/notes' });
    expect(decodeDeletionMessage(bad)).toBeNull(); // a doc outside its space
    expect(decodeDeletionMessage(new Uint8Array([9, 0, 0, 0, 0]))).toBeNull();
    expect(decodeDeletionMessage(new Uint8Array([1, 5]))).toBeNull();
    expect(decodeDeletionMessage(new Uint8Array([...encodeDeletionMessage({ kind: 'deleted', nodeId: 'n', tenant: 't', space: 's', doc: null }), 0]))).toBeNull();
  });
});
