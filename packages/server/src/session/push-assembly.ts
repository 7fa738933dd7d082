/**
 * A3: a push too big for one frame arrives as `push-part` fragments; this puts them back together, one
 * assembly per socket, holding at most `maxUpdateBytes` (checked against the stated total at the first
 * part, before anything is buffered). The whole update then takes the path of a plain push (same
 * authorization, rate limit, commit and ack, A1/C1), so a fragmented push is acked like any other.
 *
 *            part offset 0, total ≤ max, writable                 last part
 *   ┌──────┐ ─────────────────────────────────────► ┌────────────┐ ─────────► whole update → onPush
 *   │ idle │                                         │ assembling │
 *   └──────┘ ◀──── refused: reject {seq, code} ───── └────────────┘
 *      │              (offset gap, other total,          │
 *      │               part of another seq, plain push)  └─ a part of another seq is then judged afresh
 *      └─ part with offset > 0, total > max, no write access: reject {seq, code}
 *
 * After a refusal the rest of that push's parts (the client sent them all at once) are dropped quietly:
 * one reject per push, which the client turns into one dead letter (O7).
 *
 * Each part is copied into one buffer that grows (doubling, up to the total) as bytes arrive. A part's
 * bytes are a view into the frame, and ws hands a small frame over as a view into the whole socket read
 * that carried it: kept as views, 1-byte parts pinned up to 64 KiB each (plus a view object per byte),
 * far past the stated total (test/unit/push-assembly-memory.test.ts).
 *
 * Across sockets, a node-wide budget (maxAssemblyBytesPerNode) bounds what all assemblies may hold
 * together: each reserves what its buffer grows to as parts arrive (never more than its total) and gives it
 * back when it completes, is refused, or its socket closes. Past the budget the assembly is refused with
 * OVERLOADED, which is retryable: the session drains and the client sends the push again after it
 * reconnects. Reserving the stated total at the first part let a few sockets that sent one small part each
 * hold the whole budget, and refuse every honest fragmented push on the node for as long as they stayed.
 */
import type { ErrorCode, PushPartFrame } from '@cairn/shared';

export interface AssemblyBudget {
  reserve(bytes: number): boolean;
  release(bytes: number): void;
}

export function createAssemblyBudget(maxBytes: number): AssemblyBudget {
  let held = 0;
  return {
    reserve(bytes) {
      if (held + bytes > maxBytes) return false;
      held += bytes;
      return true;
    },
    release(bytes) {
      held -= bytes;
    },
  };
}

/** One budget per node: sessions of one node share their context object, so it keys the budget. */
const budgets = new WeakMap<object, AssemblyBudget>();

export function nodeAssemblyBudget(node: object, maxBytes: number): AssemblyBudget {
  let budget = budgets.get(node);
  if (!budget) budgets.set(node, (budget = createAssemblyBudget(maxBytes)));
  return budget;
}

export interface PushAssemblyOptions {
  maxUpdateBytes: number;
  budget: AssemblyBudget;
  /** Why the session may not push to `doc` now (READ_ONLY, FORBIDDEN, draining), checked at the first part. */
  refusal(doc: string): ErrorCode | null;
  refuse(code: ErrorCode, seq: number, doc: string, message: string): void;
}

export interface WholePush {
  doc: string;
  seq: number;
  update: Uint8Array;
}

export interface PushAssembly {
  /** Takes one fragment; returns the whole push once its last part arrived, null until then. */
  part(frame: PushPartFrame): WholePush | null;
  /** A plain push arrived: an assembly in progress is refused (pushes never interleave). */
  push(): void;
  /** The socket closed: gives back what an assembly in progress reserved. */
  close(): void;
}

interface Assembling {
  doc: string;
  seq: number;
  total: number;
  received: number;
  /** The bytes received so far, at [0, received); its length grows toward total. */
  buffer: Uint8Array;
}

export function createPushAssembly(o: PushAssemblyOptions): PushAssembly {
  let current: Assembling | null = null;
  /** The push whose remaining parts are dropped after its refusal. */
  let dropping: { doc: string; seq: number } | null = null;

  function drop(): void {
    if (current) o.budget.release(current.buffer.byteLength);
    current = null;
  }

  function refuse(code: ErrorCode, doc: string, seq: number, message: string): null {
    drop();
    dropping = { doc, seq };
    o.refuse(code, seq, doc, message);
    return null;
  }

  function start(f: PushPartFrame): WholePush | null {
    if (f.offset !== 0) return refuse('MALFORMED_FRAME', f.doc, f.seq, `push-part of seq ${f.seq} starts at offset ${f.offset}, not 0`);
    if (f.total > o.maxUpdateBytes) {
      return refuse('UPDATE_TOO_LARGE', f.doc, f.seq, `the update has ${f.total} bytes; the server accepts up to ${o.maxUpdateBytes}`);
    }
    const refusal = o.refusal(f.doc);
    if (refusal) return refuse(refusal, f.doc, f.seq, `no write access to ${f.doc}`);
    current = { doc: f.doc, seq: f.seq, total: f.total, received: 0, buffer: new Uint8Array(0) };
    return append(current, f);
  }

  function append(a: Assembling, f: PushPartFrame): WholePush | null {
    // decodeFrame guarantees offset + bytes ≤ total, and the offset was checked against received.
    const end = a.received + f.bytes.byteLength;
    if (end > a.buffer.byteLength) {
      // Doubling keeps the copies linear in the total; the buffer never exceeds what the budget reserved.
      const size = Math.min(a.total, Math.max(end, 2 * a.buffer.byteLength));
      if (!o.budget.reserve(size - a.buffer.byteLength)) return refuse('OVERLOADED', a.doc, a.seq, 'the node holds too many pushes in fragments');
      const grown = new Uint8Array(size);
      grown.set(a.buffer.subarray(0, a.received));
      a.buffer = grown;
    }
    a.buffer.set(f.bytes, a.received);
    a.received = end;
    if (a.received < a.total) return null;
    drop();
    return { doc: a.doc, seq: a.seq, update: a.buffer };
  }

  return {
    part(f) {
      if (dropping && f.offset > 0 && f.doc === dropping.doc && f.seq === dropping.seq) return null;
      dropping = null;
      const a = current;
      if (!a) return start(f);
      if (f.doc !== a.doc || f.seq !== a.seq) {
        refuse('MALFORMED_FRAME', a.doc, a.seq, `push-part of seq ${f.seq} arrived while seq ${a.seq} was incomplete`);
        dropping = null;
        return start(f);
      }
      if (f.total !== a.total || f.offset !== a.received) {
        return refuse('MALFORMED_FRAME', a.doc, a.seq, `push-part of seq ${a.seq} at offset ${f.offset} of ${f.total}, expected ${a.received} of ${a.total}`);
      }
      return append(a, f);
    },
    push() {
      dropping = null;
      if (current) refuse('MALFORMED_FRAME', current.doc, current.seq, `a push arrived while seq ${current.seq} was incomplete`);
      dropping = null;
    },
    close: drop,
  };
}
