/**
 * A3: the frames one outbox row goes out as, within the limits the server stated in its welcome. A push
 * whose frame fits maxPayload is one `push` frame; a bigger update, up to maxUpdateBytes, is cut into
 * `push-part` frames of a quarter of maxPayload each (room to spare for the header), which the server
 * reassembles; an update above maxUpdateBytes cannot be delivered at all (null).
 */
import { encodeFrame } from '@cairn/shared';
import type { OutboxRow } from '../replica/replica-store.js';
import type { Session } from './connection.js';

export type PushLimits = Pick<Session, 'maxPayload' | 'maxUpdateBytes'>;

export function pushFrames(row: Pick<OutboxRow, 'doc' | 'seq' | 'update'>, limits: PushLimits): Uint8Array[] | null {
  const whole = encodeFrame({ type: 'push', doc: row.doc, seq: row.seq, update: row.update });
  if (whole.byteLength <= limits.maxPayload) return [whole];
  const total = row.update.byteLength;
  if (total > limits.maxUpdateBytes) return null;
  const partBytes = Math.floor(limits.maxPayload / 4);
  const frames: Uint8Array[] = [];
  for (let offset = 0; offset < total; offset += partBytes) {
    const bytes = row.update.subarray(offset, Math.min(total, offset + partBytes));
    const frame = encodeFrame({ type: 'push-part', doc: row.doc, seq: row.seq, total, offset, bytes });
    // Only a server limit of a few hundred bytes (smaller than a doc id) gets here; nothing can be sent.
    if (frame.byteLength > limits.maxPayload) return null;
    frames.push(frame);
  }
  return frames;
}
