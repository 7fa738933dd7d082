/**
 * The `peer-poses` frame (type 15, docs/PROTOCOL.md): one turn's relayed presence records for one socket, in
 * one message (P4). It round-trips with its docs listed once; decoding refuses every malformed input with a
 * coded CairnError: truncation, a count past the bytes, a doc index past the docs, a bad doc or peer, and
 * more than MAX_PEER_POSES_PER_FRAME entries. The server's own batch encoder (session/pose-batch.ts, which
 * writes the bytes by hand) produces exactly what encodeFrame does.
 */
import { describe, expect, it } from 'vitest';
import * as encoding from 'lib0/encoding';
import {
  CairnError, FrameType, MAX_PEER_POSES_PER_FRAME, decodeFrame, encodeFrame, type ErrorCode, type PeerPoseEntry,
} from '@cairn/shared';
import { createPoseBatch } from '../../packages/server/src/session/pose-batch.js';
import { headRecord } from '../support/pose-peers.js';

const A = 'lab/cell-a';
const B = 'lab/cell-b';
const entry = (doc: string, peer: string, seq: number, user = 'ada'): PeerPoseEntry => ({ doc, peer, user, record: headRecord(seq, seq / 10) });

function refusal(bytes: Uint8Array): ErrorCode {
  try {
    decodeFrame(bytes);
  } catch (err) {
    expect(err).toBeInstanceOf(CairnError);
    return (err as CairnError).code;
  }
  throw new Error('decodeFrame accepted it');
}

/** A peer-poses body written by hand: docs, a count, then entries of (doc index, peer, user, record). */
function raw(docs: string[], count: number, entries: Array<[index: number, peer: string]>): Uint8Array {
  const enc = encoding.createEncoder();
  encoding.writeVarUint(enc, FrameType['peer-poses']);
  encoding.writeVarUint(enc, docs.length);
  for (const d of docs) encoding.writeVarString(enc, d);
  encoding.writeVarUint(enc, count);
  for (const [i, peer] of entries) {
    encoding.writeVarUint(enc, i);
    encoding.writeVarString(enc, peer);
    encoding.writeVarString(enc, '');
    encoding.writeVarUint8Array(enc, Uint8Array.of(32, 0));
  }
  return encoding.toUint8Array(enc);
}

const nextTurn = () => new Promise((r) => setImmediate(r));

describe('peer-poses frame', () => {
  it('P4: round-trips entries of several docs in their order; each doc is written once, entries name it by index', () => {
    const poses = [entry(A, 'peer-a-000001', 1), entry(B, 'peer-b-000001', 7, ''), entry(A, 'peer-a-000001', 2), entry(A, 'peer-c-000001', 3)];
    const bytes = encodeFrame({ type: 'peer-poses', poses });
    expect(decodeFrame(bytes)).toEqual({ type: 'peer-poses', poses });
    expect(bytes[0]).toBe(15);
    expect(bytes[1]).toBe(2); // two docs
    expect(Buffer.from(bytes).toString('latin1').split(A).length - 1).toBe(1);
    const separate = poses.reduce((n, p) => n + encodeFrame({ type: 'peer-pose', ...p }).length, 0);
    expect(bytes.length).toBeLessThan(separate);
  });

  it('P4: MAX_PEER_POSES_PER_FRAME entries round-trip; one more is MALFORMED_FRAME to decode and BAD_REQUEST to encode', () => {
    const poses = Array.from({ length: MAX_PEER_POSES_PER_FRAME }, (_, i) => entry(i % 2 ? A : B, `peer-${String(i).padStart(8, '0')}`, i + 1));
    expect(decodeFrame(encodeFrame({ type: 'peer-poses', poses }))).toEqual({ type: 'peer-poses', poses });
    const over = Array.from({ length: MAX_PEER_POSES_PER_FRAME + 1 }, () => [0, 'peer-0000001'] as [number, string]);
    expect(refusal(raw([A], MAX_PEER_POSES_PER_FRAME + 1, over))).toBe('MALFORMED_FRAME');
    expect(() => encodeFrame({ type: 'peer-poses', poses: [...poses, entry(A, 'one-too-many', 1)] })).toThrow(expect.objectContaining({ code: 'BAD_REQUEST' }));
    expect(() => encodeFrame({ type: 'peer-poses', poses: [] })).toThrow(expect.objectContaining({ code: 'BAD_REQUEST' }));
  });

  it('P4/S3: every truncation of a peer-poses frame is MALFORMED_FRAME', () => {
    const full = encodeFrame({ type: 'peer-poses', poses: [entry(A, 'peer-a-000001', 1), entry(B, 'peer-b-000001', 2)] });
    for (let n = 1; n < full.length; n++) expect(refusal(full.slice(0, n)), `cut to ${n}`).toBe('MALFORMED_FRAME');
  });

  it('P4/S3: a count beyond the bytes, no docs or entries, fewer entries than docs, a doc index past the docs are MALFORMED_FRAME', () => {
    expect(refusal(raw([A], 3, [[0, 'peer-0000001'], [0, 'peer-0000002']]))).toBe('MALFORMED_FRAME');
    expect(refusal(raw([A], 2 ** 20, [[0, 'peer-0000001']]))).toBe('MALFORMED_FRAME');
    expect(refusal(raw([], 1, [[0, 'peer-0000001']]))).toBe('MALFORMED_FRAME');
    expect(refusal(raw([A], 0, []))).toBe('MALFORMED_FRAME');
    expect(refusal(raw([A, B], 1, [[0, 'peer-0000001']]))).toBe('MALFORMED_FRAME');
    expect(refusal(raw([A, B], 2, [[0, 'peer-0000001'], [2, 'peer-0000002']]))).toBe('MALFORMED_FRAME');
  });

  it('P4/S3: a bad doc id is INVALID_DOC_ID, a peer over 64 bytes MALFORMED_FRAME', () => {
    expect(refusal(raw(['nospace'], 1, [[0, 'peer-0000001']]))).toBe('INVALID_DOC_ID');
    expect(refusal(raw([A], 1, [[0, 'p'.repeat(65)]]))).toBe('MALFORMED_FRAME');
  });

  it("P4: the server's batch bytes are encodeFrame's: peer-poses for several records, peer-pose for a lone one", async () => {
    const sent: Uint8Array[] = [];
    const batch = createPoseBatch((b) => sent.push(b));
    const poses = [entry(A, 'peer-a-000001', 1), entry(B, 'peer-b-000001', 2, ''), entry(A, 'peer-a-000001', 3)];
    for (const p of poses) batch.add(p.doc, p.peer, p.user, p.record);
    expect(sent).toEqual([]); // nothing before the turn ends
    await nextTurn();
    expect(sent.map((b) => Buffer.from(b).toString('hex'))).toEqual([Buffer.from(encodeFrame({ type: 'peer-poses', poses })).toString('hex')]);
    batch.add(A, 'peer-a-000001', 'ada', poses[0]!.record);
    await nextTurn();
    expect(Buffer.from(sent[1]!).equals(Buffer.from(encodeFrame({ type: 'peer-pose', ...poses[0]! })))).toBe(true);
  });

  it('P4: a turn past MAX_PEER_POSES_PER_FRAME records leaves as several frames of at most that many, in order', async () => {
    const sent: Uint8Array[] = [];
    const batch = createPoseBatch((b) => sent.push(b));
    const total = 2 * MAX_PEER_POSES_PER_FRAME + 5;
    for (let i = 1; i <= total; i++) batch.add(A, 'peer-a-000001', '', Uint8Array.of(0, ...encodeSeq(i)));
    await nextTurn();
    const frames = sent.map((b) => decodeFrame(b));
    expect(frames.map((f) => (f.type === 'peer-poses' ? f.poses.length : 1))).toEqual([MAX_PEER_POSES_PER_FRAME, MAX_PEER_POSES_PER_FRAME, 5]);
    const seqs = frames.flatMap((f) => (f.type === 'peer-poses' ? f.poses.map((p) => p.record) : []));
    expect(seqs.map((r) => Buffer.from(r.subarray(1)).toString('hex'))).toEqual(Array.from({ length: total }, (_, i) => Buffer.from(encodeSeq(i + 1)).toString('hex')));
  });
});

function encodeSeq(n: number): Uint8Array {
  const enc = encoding.createEncoder();
  encoding.writeVarUint(enc, n);
  return encoding.toUint8Array(enc);
}
