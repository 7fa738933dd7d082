/**
 * The messages between the embedded Store (pglite-store.ts, main thread) and the worker thread that owns
 * PGlite (pglite-worker.ts). One Store call is one request and one reply: a commit batch travels as ONE
 * message however many pushes it holds, never a round trip per statement.
 *
 * Bytes never go through JSON. A batch's updates are copied into one buffer that is transferred (the commit
 * path keeps using its own copies to apply and publish); bytes the worker answers with (log rows,
 * snapshots) are buffers of their own there (sql-client.ts rowBytes), so they are transferred, not copied.
 * Everything else is structured-cloned (Maps, Dates included).
 *
 * Errors cross as data: the catalog code and message of a CairnError, and the SQLSTATE of the database
 * error behind it, which becomes the rebuilt error's `cause.code` (sql-client.ts sqlState reads it there).
 */
import { AssertionError, CairnError, ErrorCodes, isCairnError, type ErrorCode } from '@cairn/shared';
import { sqlState } from './sql-client.js';
import type { AnchorStore } from '../readmodel/anchor-store.js';
import type { CommitRequest, Store } from './store.js';

type Fn = (...args: never[]) => Promise<unknown>;
type StoreOps = { [K in keyof Store as Store[K] extends Fn ? K : never]: Store[K] };
type AnchorOps = { [K in keyof AnchorStore as `anchors.${K & string}`]: AnchorStore[K] };
/** Every Store and read-model call the worker answers, by name. */
export type Ops = Omit<StoreOps, 'commitBatch' | 'close'> & AnchorOps;
export type OpName = keyof Ops;

/** A commit batch as it travels: the requests without their bytes, and every update in one buffer. */
export interface PackedBatch {
  /** Per request: tenant, doc, clientId, seq, actor, and where its update sits in `bytes`. */
  rows: [string, string, string, number, string, number, number][];
  bytes: ArrayBuffer;
}

export type Request =
  | { id: number; op: OpName; args: unknown[] }
  | { id: number; op: 'commitBatch'; batch: PackedBatch }
  | { id: number; op: 'close' };

export interface WireError {
  kind: 'cairn' | 'assertion' | 'other';
  code?: ErrorCode;
  message: string;
  sqlState?: string;
}

export type Reply = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: WireError };

/** The worker's first message: the database is open, or why not. */
export type Hello = { ready: true } | { ready: false; error: WireError };

export function packBatch(requests: readonly CommitRequest[]): PackedBatch {
  let size = 0;
  for (const r of requests) size += r.update.byteLength;
  const bytes = new Uint8Array(size);
  let at = 0;
  const rows = requests.map((r): PackedBatch['rows'][number] => {
    bytes.set(r.update, at);
    at += r.update.byteLength;
    return [r.tenant, r.doc, r.clientId, r.seq, r.actor, at - r.update.byteLength, r.update.byteLength];
  });
  return { rows, bytes: bytes.buffer };
}

export function unpackBatch(batch: PackedBatch): CommitRequest[] {
  return batch.rows.map(([tenant, doc, clientId, seq, actor, offset, length]) => ({
    tenant, doc, clientId, seq, actor, update: new Uint8Array(batch.bytes, offset, length),
  }));
}

export function toWire(err: unknown): WireError {
  const state = sqlState(isCairnError(err) ? err.cause : err);
  const base = { message: err instanceof Error ? err.message : String(err), ...(state ? { sqlState: state } : {}) };
  if (isCairnError(err)) return { kind: 'cairn', code: err.code, ...base };
  return { kind: err instanceof AssertionError ? 'assertion' : 'other', ...base };
}

/** The error as the caller of a Store expects it: a CairnError (or an AssertionError for a bug). */
export function fromWire(wire: WireError): Error {
  if (wire.kind === 'assertion') return new AssertionError(wire.message);
  const cause = Object.assign(new Error(wire.sqlState ? `SQLSTATE ${wire.sqlState}` : wire.message), wire.sqlState ? { code: wire.sqlState } : {});
  const code: ErrorCode = wire.kind === 'cairn' && wire.code && wire.code in ErrorCodes ? wire.code : 'STORE_UNAVAILABLE';
  const err = new CairnError(code, undefined, { cause });
  if (wire.kind === 'cairn') err.message = wire.message;
  return err;
}

/** Buffers a reply may hand over instead of copying: the bytes of log rows and snapshots. */
export function transferables(value: unknown): ArrayBuffer[] {
  const out: ArrayBuffer[] = [];
  const take = (u: unknown) => {
    if (u instanceof Uint8Array && u.byteOffset === 0 && u.byteLength === u.buffer.byteLength && u.buffer instanceof ArrayBuffer) out.push(u.buffer);
  };
  if (Array.isArray(value)) for (const row of value) take((row as { update?: unknown } | null)?.update);
  else if (value && typeof value === 'object') take((value as { state?: unknown }).state);
  return [...new Set(out)];
}
