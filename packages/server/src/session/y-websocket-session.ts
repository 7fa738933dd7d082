/**
 * One socket on `/y/:room`, speaking the stock y-websocket protocol (y-protocols sync + awareness) so an
 * unchanged `WebsocketProvider` from npm works. Authentication happened at the upgrade (S1). The room maps
 * to the doc `<defaultSpace>/<room>`. Updates the client sends take the same durable path as native pushes:
 * they reach other clients only after they are committed (A1/F1 hold; y-websocket has no acks, so the client
 * learns nothing more). A read-only client's updates are dropped, never stored or broadcast.
 *
 *   open ─► send syncStep1 + awareness ─► OPEN ─► socket closed ─► CLOSED
 *                                          │
 *                                          ├─ commit failure: close 4014, the provider reconnects and
 *                                          │  resyncs its whole state, so nothing is lost
 *                                          ├─ over the push rate: close 4011 (RATE_LIMITED), same recovery
 *                                          └─ the token's exp passed (S8): close 4021; a message that
 *                                             arrives after exp is dropped, never stored
 *
 * S3 limits as on the native socket: frames up to maxPayload, and sync messages (updates, and sync step 1
 * and awareness queries, which make the server encode the doc) share one token bucket of maxPushesPerSecond
 * (burst 2x). y-websocket has no reject frame to refuse one update, so past the bucket the socket closes
 * with RATE_LIMITED; what was not stored yet reaches the server again in the provider's resync.
 */
import * as Y from 'yjs';
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import * as syncProtocol from 'y-protocols/sync';
import { encodeAwarenessUpdate } from 'y-protocols/awareness';
import { type CairnError, closeCodeFor, isCairnError, newClientId, toCairnError, type SessionHandle, type SessionSocket } from '@cairn/shared';
import type { Principal } from '../auth/principal.js';
import { SERVER_CLIENT_ID_PREFIX } from '../auth/client-binding.js';
import { canWrite } from '../auth/access.js';
import { isEmptyUpdate } from '../commit/validate-update.js';
import type { Room, RoomSubscriber } from '../room/room.js';
import type { LiveSession, SessionContext } from './context.js';
import { applyGuardedPresence, releasePresence } from './presence-guard.js';
import { createTokenBucket } from './rate-limit.js';
import { watchTokenExpiry } from './token-expiry.js';

const MESSAGE_SYNC = 0;
const MESSAGE_AWARENESS = 1;
const MESSAGE_QUERY_AWARENESS = 3;

/**
 * A room hands the same update to each of its subscribers in turn, so the last encoding is kept: one
 * message per update instead of one per receiver (the bytes are never changed after they are sent).
 */
let lastUpdate: Uint8Array | null = null;
let lastMessage: Uint8Array = new Uint8Array(0);

function message(type: number, write: (enc: encoding.Encoder) => void): Uint8Array {
  const enc = encoding.createEncoder();
  encoding.writeVarUint(enc, type);
  write(enc);
  return encoding.toUint8Array(enc);
}

/**
 * Whether a failed write closes the socket: anything retryable, so the provider reconnects and resends, a
 * deleted doc (L2), whose reconnects are refused, and anything uncoded. A refusal for good (invalid bytes, a
 * quota) only drops that write: y-websocket has no reject message.
 */
function closesSocket(err: unknown): boolean {
  return !isCairnError(err) || err.retryable || err.code === 'DOC_DELETED';
}

/** The updates as one, or null if they do not merge (one of them does not decode: each is then written alone). */
function mergeOrNull(updates: Uint8Array[]): Uint8Array | null {
  try {
    return Y.mergeUpdates(updates);
  } catch {
    return null;
  }
}

function updateMessage(update: Uint8Array): Uint8Array {
  if (update !== lastUpdate) {
    lastMessage = message(MESSAGE_SYNC, (enc) => syncProtocol.writeUpdate(enc, update));
    lastUpdate = update;
  }
  return lastMessage;
}

/** Sync step 2 messages of whole-doc states the room shares between joiners (room.syncFor), by state. */
const step2Messages = new WeakMap<Uint8Array, Uint8Array>();

function step2Message(update: Uint8Array): Uint8Array {
  let bytes = step2Messages.get(update);
  if (!bytes) {
    bytes = message(MESSAGE_SYNC, (enc) => {
      encoding.writeVarUint(enc, syncProtocol.messageYjsSyncStep2);
      encoding.writeVarUint8Array(enc, update);
    });
    step2Messages.set(update, bytes);
  }
  return bytes;
}

export function createYWebsocketSession(
  ctx: SessionContext,
  socket: SessionSocket,
  target: { principal: Principal; doc: string; space: string },
): SessionHandle & LiveSession {
  const { principal, doc, space } = target;
  const { metrics, log, limits } = ctx;
  const clientId = `${SERVER_CLIENT_ID_PREFIX}${newClientId()}`; // out of reach of every hello (C5)
  let seq = 0;
  let room: Room | null = null;
  let closed = false;
  const queued: Uint8Array[] = []; // messages that arrive while the room loads
  let queuedBytes = 0;
  const bucket = createTokenBucket(limits.maxPushesPerSecond);
  const loading = new AbortController(); // a load still waiting for its turn is dropped if the socket goes
  const presenceBucket = createTokenBucket(limits.maxPresencePerSecond);

  metrics.connections.inc({ endpoint: 'y-websocket' });
  const who = { tenant: principal.tenant, subject: principal.subject, clientId, space, doc };
  const expiry = watchTokenExpiry(principal, () => tokenExpired());
  let releaseQuota: (() => void) | null = null;
  let refusedQuota: CairnError | null = null;
  try {
    releaseQuota = ctx.quotas.connect(principal.tenant);
  } catch (err) {
    refusedQuota = toCairnError(err);
  }
  // As on the native endpoint: a connection its tenant's quota refused is a connect row with that code.
  ctx.audit.record({ action: 'connect', ...(refusedQuota ? { outcome: refusedQuota.code } : {}), ...who, detail: { endpoint: 'y-websocket' } });

  function send(bytes: Uint8Array): void {
    if (closed) return;
    if (socket.bufferedAmount() > limits.maxBufferedBytes) return close(closeCodeFor('SLOW_CONSUMER'), 'SLOW_CONSUMER');
    socket.send(bytes);
  }

  const sub: RoomSubscriber = {
    update: (_version, update) => send(updateMessage(update)),
    presence: (payload) => send(message(MESSAGE_AWARENESS, (enc) => encoding.writeVarUint8Array(enc, payload))),
    // L2: the room's doc was deleted; the provider's reconnects are refused at the room load.
    deleted: () => {
      metrics.rejected.inc({ code: 'DOC_DELETED' });
      close(closeCodeFor('DOC_DELETED'), 'DOC_DELETED');
    },
  };

  function close(code: number, reason: string): void {
    if (closed) return;
    cleanup();
    socket.close(code, reason);
  }

  function tokenExpired(): void {
    ctx.audit.record({ action: 'auth.refused', outcome: 'TOKEN_EXPIRED', ...who, detail: { endpoint: 'y-websocket' } });
    metrics.rejected.inc({ code: 'TOKEN_EXPIRED' });
    close(closeCodeFor('TOKEN_EXPIRED'), 'TOKEN_EXPIRED');
  }

  function cleanup(): void {
    closed = true;
    expiry.stop();
    releaseQuota?.();
    metrics.connections.dec({ endpoint: 'y-websocket' });
    loading.abort();
    if (room) {
      releasePresence(room, sub);
      room.unsubscribe(sub);
      ctx.rooms.release(room);
      room = null;
    }
  }

  /**
   * One write of this socket in flight at a time; updates that arrive meanwhile are merged (Y.mergeUpdates)
   * into the next write when it settles. A stock provider streams each edit's update without waiting, and
   * each one extends its client's last: written one by one, an update whose predecessor was still
   * committing had to wait for it and then go in a later batch, so a client's updates committed one batch
   * at a time and a busy moment turned into a backlog that never drained (bench/: the knee's p99 stalls).
   * Merged, a socket's backlog goes in the next batch as one row, whatever its length, and its receivers
   * get it as one message. A merged write the validation refuses is written again update by update, so one
   * bad update never takes its neighbours with it.
   */
  let writing = false;
  let unwritten: Uint8Array[] = [];
  let unwrittenBytes = 0;

  function write(update: Uint8Array): void {
    if (isEmptyUpdate(update)) return;
    if (!canWrite(principal, space)) {
      ctx.audit.record({ action: 'access.denied', outcome: 'READ_ONLY', ...who, detail: { endpoint: 'y-websocket', op: 'write' } });
      metrics.rejected.inc({ code: 'READ_ONLY' });
      return;
    }
    if (ctx.shuttingDown()) return close(closeCodeFor('SHUTTING_DOWN'), 'SHUTTING_DOWN');
    // Bounded like a send buffer: a socket whose writes cannot keep up is closed, and its provider resyncs.
    if (unwrittenBytes + update.byteLength > limits.maxBufferedBytes) return close(closeCodeFor('OVERLOADED'), 'OVERLOADED');
    unwritten.push(update);
    unwrittenBytes += update.byteLength;
    if (!writing) writeUnwritten();
  }

  function writeUnwritten(): void {
    if (closed || unwritten.length === 0) return;
    const updates = takeUnwritten();
    writing = true;
    const merged = updates.length === 1 ? updates[0]! : mergeOrNull(updates);
    const done = merged ? commitOne(merged).catch((err: unknown) => {
      // The merge as a whole was refused (invalid, a quota): each update on its own, as they came, so only
      // the ones refused alone are dropped.
      if (updates.length > 1 && !closesSocket(err)) return commitEach(updates);
      throw err;
    }) : commitEach(updates);
    done.then(
      () => {
        writing = false;
        writeUnwritten();
      },
      (err: unknown) => {
        writing = false;
        failed(err);
      },
    );
  }

  /** The unwritten updates up to maxPayload bytes (at least one): the next write's. */
  function takeUnwritten(): Uint8Array[] {
    let n = 0;
    let bytes = 0;
    while (n < unwritten.length && (n === 0 || bytes + unwritten[n]!.byteLength <= limits.maxPayload)) bytes += unwritten[n++]!.byteLength;
    const taken = unwritten.slice(0, n);
    unwritten = unwritten.slice(n);
    unwrittenBytes -= bytes;
    return taken;
  }

  function commitOne(update: Uint8Array): Promise<unknown> {
    return ctx.commit.write({ tenant: principal.tenant, doc, clientId, seq: seq++, actor: principal.subject, update, source: sub });
  }

  /** One by one; an update refused for good is dropped (counted), anything that closes ends the run. */
  async function commitEach(updates: readonly Uint8Array[]): Promise<void> {
    for (const u of updates) {
      if (closed) return;
      try {
        await commitOne(u);
      } catch (err) {
        if (closesSocket(err) || !isCairnError(err)) throw err;
        metrics.rejected.inc({ code: err.code });
      }
    }
  }

  function failed(err: unknown): void {
    const code = isCairnError(err) ? err.code : 'INTERNAL';
    metrics.rejected.inc({ code });
    if (!isCairnError(err)) log.error({ err, doc }, 'y-websocket commit failed');
    if (closesSocket(err)) return close(closeCodeFor(code), code);
    // A refusal for good (invalid bytes, a quota) drops that write; what waited behind it is still written.
    writeUnwritten();
  }

  function rateLimited(): void {
    metrics.rejected.inc({ code: 'RATE_LIMITED' });
    close(closeCodeFor('RATE_LIMITED'), 'RATE_LIMITED');
  }

  function handle(r: Room, bytes: Uint8Array): void {
    const dec = decoding.createDecoder(bytes);
    const type = decoding.readVarUint(dec);
    if ((type === MESSAGE_SYNC || type === MESSAGE_QUERY_AWARENESS) && !bucket.take()) return rateLimited();
    switch (type) {
      case MESSAGE_SYNC: {
        const syncType = decoding.readVarUint(dec);
        if (syncType === syncProtocol.messageYjsSyncStep1) {
          send(step2Message(r.syncFor(decoding.readVarUint8Array(dec)).update));
        } else if (syncType === syncProtocol.messageYjsSyncStep2 || syncType === syncProtocol.messageYjsUpdate) {
          write(decoding.readVarUint8Array(dec));
        } else {
          throw new Error(`unknown sync message ${syncType}`);
        }
        return;
      }
      case MESSAGE_AWARENESS: {
        const payload = decoding.readVarUint8Array(dec);
        // Over the rate, awareness is dropped: the provider's next state supersedes it (P2).
        if (!presenceBucket.take()) return void metrics.rejected.inc({ code: 'RATE_LIMITED' });
        // y-websocket has no reject message: an invalid one closes the socket (a stock provider never sends it).
        if (applyGuardedPresence(r, payload, sub, limits)) {
          metrics.rejected.inc({ code: 'INVALID_PRESENCE' });
          close(closeCodeFor('INVALID_PRESENCE'), 'INVALID_PRESENCE');
        }
        return;
      }
      case MESSAGE_QUERY_AWARENESS: {
        const ids = [...r.awareness.getStates().keys()];
        if (ids.length > 0) send(message(MESSAGE_AWARENESS, (enc) => encoding.writeVarUint8Array(enc, encodeAwarenessUpdate(r.awareness, ids))));
        return;
      }
      default:
        return; // auth (2) and unknown types are ignored, as the reference server does
    }
  }

  function receive(bytes: Uint8Array): void {
    if (closed) return;
    if (bytes.byteLength > limits.maxPayload) return close(closeCodeFor('FRAME_TOO_LARGE'), 'FRAME_TOO_LARGE');
    if (expiry.expired()) return tokenExpired();
    if (!room) {
      // A load may wait its turn in the node's budget (S7); what piles up meanwhile is bounded like a send buffer.
      queuedBytes += bytes.byteLength;
      if (queuedBytes > limits.maxBufferedBytes) return close(closeCodeFor('OVERLOADED'), 'OVERLOADED');
      queued.push(bytes);
      return;
    }
    try {
      handle(room, bytes);
    } catch (err) {
      metrics.rejected.inc({ code: 'MALFORMED_FRAME' });
      log.warn({ err: err instanceof Error ? err.message : String(err), doc }, 'malformed y-websocket message');
      close(closeCodeFor('MALFORMED_FRAME'), 'MALFORMED_FRAME');
    }
  }

  if (refusedQuota) {
    metrics.rejected.inc({ code: refusedQuota.code });
    close(closeCodeFor(refusedQuota.code), refusedQuota.code);
  }

  if (!closed) ctx.rooms.acquire(principal.tenant, doc, { signal: loading.signal }).then(
    (r) => {
      if (closed) return ctx.rooms.release(r);
      room = r;
      r.subscribe(sub);
      send(message(MESSAGE_SYNC, (enc) => syncProtocol.writeSyncStep1(enc, r.ydoc)));
      const ids = [...r.awareness.getStates().keys()];
      if (ids.length > 0) send(message(MESSAGE_AWARENESS, (enc) => encoding.writeVarUint8Array(enc, encodeAwarenessUpdate(r.awareness, ids))));
      queuedBytes = 0;
      for (const bytes of queued.splice(0)) receive(bytes);
    },
    (err: unknown) => {
      if (closed) return;
      const code = isCairnError(err) && (err.code === 'OVERLOADED' || err.code === 'DOC_DELETED') ? err.code : 'STORE_UNAVAILABLE';
      if (code === 'STORE_UNAVAILABLE') log.error({ err, doc }, 'room load failed');
      if (code === 'DOC_DELETED') metrics.rejected.inc({ code });
      close(closeCodeFor(code), code);
    },
  ).catch((err: unknown) => {
    // A throw while joining would otherwise be an unhandled rejection, which ends the process (S6).
    log.error({ err, doc }, 'y-websocket join failed');
    close(closeCodeFor('INTERNAL'), 'INTERNAL');
  });

  return {
    receive,
    closed() {
      if (!closed) cleanup();
    },
    shutdown() {
      close(closeCodeFor('SHUTTING_DOWN'), 'SHUTTING_DOWN');
    },
  };
}
