/**
 * The presence records (P4) relayed to one socket within one event-loop turn leave at the turn's end as ONE
 * WebSocket message: a `peer-poses` frame (type 15, docs/PROTOCOL.md), or a plain `peer-pose` when the turn
 * brought just one. At 30 Hz in a space of 10 a socket gets ~270 records a second; sent one message each,
 * the server spent ~7 µs of CPU per delivery, mostly on what every message costs (ws framing, a buffer
 * per message, the writev, garbage) rather than on the ~70 bytes themselves (docs/DECISIONS.md).
 *
 *   room relays record ─► add(doc, peer, user, record) ─► pending (entry bytes shared by every receiver)
 *   turn end (turn-end.ts, before the sockets are uncorked) ─► one frame ─► send
 *
 * Entries keep the order they were relayed in, whatever their doc. A turn past MAX_PEER_POSES_PER_FRAME
 * entries or MAX_BATCH_BYTES is sent in several frames, each as soon as it is full.
 */
import * as encoding from 'lib0/encoding';
import { FrameType, MAX_PEER_POSES_PER_FRAME } from '@cairn/shared';
import { atTurnEnd } from '../turn-end.js';

/** A frame is sent once its entries reach this size, before the turn ends: bounded messages for the client. */
export const MAX_BATCH_BYTES = 64 * 1024;

export interface PoseBatch {
  add(doc: string, peer: string, user: string, record: Uint8Array): void;
  /** Sends what is pending now (the session is about to send another frame). */
  flush(): void;
  /** Bytes of the entries waiting for the turn's end: the socket's backlog-to-be. */
  readonly pendingBytes: number;
}

/**
 * A room hands one record to each of its subscribers in turn: the entry's bytes after its doc
 * (`string(peer) string(user) bytes(record)`, the same in `peer-pose` and `peer-poses`) are encoded once.
 */
let lastEntry: { peer: string; user: string; record: Uint8Array; bytes: Uint8Array } | null = null;

function entryBytes(peer: string, user: string, record: Uint8Array): Uint8Array {
  if (lastEntry?.record !== record || lastEntry.peer !== peer || lastEntry.user !== user) {
    const enc = encoding.createEncoder();
    encoding.writeVarString(enc, peer);
    encoding.writeVarString(enc, user);
    encoding.writeVarUint8Array(enc, record);
    lastEntry = { peer, user, record, bytes: encoding.toUint8Array(enc) };
  }
  return lastEntry.bytes;
}

/** `string(doc)` bytes, kept for the docs in use (a few thousand cell docs at most per node at a time). */
const docStrings = new Map<string, Uint8Array>();

function docBytes(doc: string): Uint8Array {
  let b = docStrings.get(doc);
  if (!b) {
    if (docStrings.size >= 4096) docStrings.clear();
    const enc = encoding.createEncoder();
    encoding.writeVarString(enc, doc);
    docStrings.set(doc, (b = encoding.toUint8Array(enc)));
  }
  return b;
}

const varUintSize = (n: number) => (n < 0x80 ? 1 : n < 0x4000 ? 2 : 3);

function putVarUint(out: Uint8Array, at: number, n: number): number {
  while (n >= 0x80) {
    out[at++] = (n & 0x7f) | 0x80;
    n >>>= 7;
  }
  out[at++] = n;
  return at;
}

interface Pending {
  doc: string;
  entry: Uint8Array;
}

/** One message for `pending` (1..MAX_PEER_POSES_PER_FRAME entries), written into one buffer. */
function encodeBatch(pending: readonly Pending[]): Uint8Array {
  if (pending.length === 1) {
    const { doc, entry } = pending[0]!;
    const d = docBytes(doc);
    const out = Buffer.allocUnsafe(1 + d.length + entry.length);
    out[0] = FrameType['peer-pose'];
    out.set(d, 1);
    out.set(entry, 1 + d.length);
    return out;
  }
  const docs: string[] = [];
  const index: number[] = [];
  let size = 1 + varUintSize(pending.length);
  for (const p of pending) {
    let i = docs.indexOf(p.doc);
    if (i < 0) {
      i = docs.push(p.doc) - 1;
      size += docBytes(p.doc).length;
    }
    index.push(i);
    size += varUintSize(i) + p.entry.length;
  }
  size += varUintSize(docs.length);
  const out = Buffer.allocUnsafe(size);
  let at = putVarUint(out, 0, FrameType['peer-poses']);
  at = putVarUint(out, at, docs.length);
  for (const doc of docs) {
    const d = docBytes(doc);
    out.set(d, at);
    at += d.length;
  }
  at = putVarUint(out, at, pending.length);
  for (let k = 0; k < pending.length; k++) {
    at = putVarUint(out, at, index[k]!);
    out.set(pending[k]!.entry, at);
    at += pending[k]!.entry.length;
  }
  return out;
}

export function createPoseBatch(send: (bytes: Uint8Array) => void): PoseBatch {
  let pending: Pending[] = [];
  let bytes = 0;
  let scheduled = false;

  function flush(): void {
    if (pending.length === 0) return;
    const batch = pending;
    pending = [];
    bytes = 0;
    send(encodeBatch(batch));
  }

  const atEnd = () => {
    scheduled = false;
    flush();
  };

  return {
    add(doc, peer, user, record) {
      const entry = entryBytes(peer, user, record);
      pending.push({ doc, entry });
      bytes += entry.length;
      if (pending.length >= MAX_PEER_POSES_PER_FRAME || bytes >= MAX_BATCH_BYTES) flush();
      else if (!scheduled) {
        scheduled = true;
        atTurnEnd(atEnd);
      }
    },
    flush,
    get pendingBytes() {
      return bytes;
    },
  };
}
