/**
 * Raw protocol peers for the presence record tests (P4): a session that says hello (protocol 3 unless told),
 * subscribes to docs and waits for each sync; and records made from a few numbers. A peer's `frames` list
 * records: the server's `peer-poses` batches (one message per turn) appear as the `peer-pose`s they carry,
 * and `messages` has what arrived.
 */
import { DEFAULT_LIMITS, PROTOCOL_VERSION, decodePresenceRecord, encodePresenceRecord, type ClientSocket, type PresenceRecord } from '@cairn/shared';
import { connectRaw, type RawClient } from './raw-client.js';

export async function posePeer(
  connect: (url: string) => ClientSocket,
  clientId: string,
  opts: { token?: string; docs?: string[]; version?: number; url?: string } = {},
): Promise<RawClient> {
  const c = await connectRaw(connect, opts.url, { poseRecords: true });
  c.send({ type: 'hello', protocolVersion: opts.version ?? PROTOCOL_VERSION, clientId, token: opts.token ?? 'writer' });
  await c.next('welcome');
  for (const doc of opts.docs ?? []) {
    c.send({ type: 'sub', doc, stateVector: new Uint8Array() });
    await c.next('sync', (s) => s.doc === doc);
  }
  return c;
}

/** A record with a head at (x, 1.6, z) and optional app state. */
export function headRecord(seq: number, x: number, z = 0, state?: unknown): Uint8Array {
  return encodePresenceRecord({ seq, head: { p: [x, 1.6, z], q: [0, 0, 0, 1] }, ...(state === undefined ? {} : { state }) }, DEFAULT_LIMITS);
}

export function readRecord(bytes: Uint8Array): PresenceRecord {
  return decodePresenceRecord(bytes, DEFAULT_LIMITS);
}

/** Waits until a ping sent now is answered: every frame the peer sent before it was handled by the server. */
export async function flushed(c: RawClient, id: number): Promise<void> {
  c.send({ type: 'ping', id });
  await c.next('pong', (p) => p.id === id);
}
