/**
 * One socket on `/v1/sync` (our client). Many docs share the socket.
 *
 *   AWAIT_HELLO ──hello, token ok──► OPEN ──socket closed / shutdown──► CLOSED
 *        │                             │
 *        └─ anything else, bad token,  └─ malformed frame, retryable commit failure,
 *           wrong version, timeout:       rate limit, slow reader: reject + close
 *           reject + close
 *
 * Acks (A1) are kept by the ack ledger (ack-ledger.ts): `ack {seq}` for the longest prefix that is
 * committed (or rejected for good with its own `reject {seq}`), coalesced to one ack per commit batch.
 * A retryable failure (STORE_UNAVAILABLE, SHUTTING_DOWN, RATE_LIMITED) sends its reject and puts the
 * session into DRAINING: later pushes get the same retryable reject, pushes already in flight still get
 * their acks (up to the failed seq, never past it), then the socket closes with the code. The client
 * resends every un-acked push after it reconnects.
 *
 *   OPEN ──retryable failure / shutdown──► DRAINING ──every in-flight push settled──► CLOSED
 */
import * as Y from 'yjs';
import {
  CairnError, ErrorCodes, PROTOCOL_VERSION, closeCodeFor, decodeFrame, encodeFrame, isCairnError, isRetryable,
  rejectFrame, spaceOf, toCairnError, wireCodeFor, type ErrorCode, type Frame, type SessionHandle, type SessionSocket,
} from '@cairn/shared';
import type { Principal } from '../auth/principal.js';
import { canRead, canWrite } from '../auth/access.js';
import type { Room, RoomSubscriber } from '../room/room.js';
import type { LiveSession, SessionContext } from './context.js';
import { applyGuardedPresence, releasePresence } from './presence-guard.js';
import { createAckLedger } from './ack-ledger.js';
import { createPushAssembly, nodeAssemblyBudget } from './push-assembly.js';
import { createPosePath } from './pose-path.js';
import { syncFrame, updateFrame } from './shared-frames.js';
import { createTokenBucket } from './rate-limit.js';
import { createSyncPacer } from './sync-pacer.js';
import { createLoadSlots } from '../room/load-slots.js';
import { watchTokenExpiry, type TokenExpiry } from './token-expiry.js';
import { refusedTokenOwner } from '../auth/tokens.js';

interface Held {
  room: Room | null; // null while acquiring
  sub: RoomSubscriber;
  /** Aborts the acquire while the room is loading (unsub, close): a load still waiting never runs. */
  loading: AbortController | null;
}

function heldRoom(held: Held | undefined): { room: Room; sub: RoomSubscriber } | null {
  return held?.room ? { room: held.room, sub: held.sub } : null;
}

export function createNativeSession(ctx: SessionContext, socket: SessionSocket): SessionHandle & LiveSession {
  const { limits, metrics, log } = ctx;
  let state: 'await-hello' | 'authenticating' | 'open' | 'closed' = 'await-hello';
  let principal: Principal | null = null;
  /** Frees this socket's slot in its tenant's connection quota (taken once hello succeeds). */
  let releaseQuota: (() => void) | null = null;
  let clientId = '';
  let helloVersion = PROTOCOL_VERSION;
  let preAuthFrames = 0;
  const early: Uint8Array[] = [];
  const docs = new Map<string, Held>();
  const acks = createAckLedger({
    ack: (seq) => send({ type: 'ack', seq }),
    acked: (seconds) => metrics.ackSeconds.observe(seconds),
    settled: () => (drainingWith ? closeIfDrained() : acks.flushSoon()),
  });
  /** Set once the session is draining: the retryable code every later push gets, and the close code. */
  let drainingWith: ErrorCode | null = null;
  let lastActivity = performance.now();
  const bucket = createTokenBucket(limits.maxPushesPerSecond);
  // Subs (S7): a reconnect resubscribes every doc at once, so the burst holds maxDocsPerSocket of them;
  // a socket past it is churning, and its cold loads wait behind its own few load slots.
  const subBucket = createTokenBucket(limits.maxSubsPerSecond, Math.max(2 * limits.maxSubsPerSecond, limits.maxDocsPerSocket));
  const loads = createLoadSlots(limits.maxLoadsPerSocket);
  let expiry: TokenExpiry | null = null;
  const presenceBucket = createTokenBucket(limits.maxPresencePerSecond);
  const pacer = createSyncPacer({ buffered: () => socket.bufferedAmount(), lowWater: Math.min(1024 * 1024, limits.maxBufferedBytes / 4) });
  // Presence records (P4): pose in, peer-pose out, leave when this session leaves a doc it posed in.
  const poses = createPosePath({
    ctx, sendEncoded: sendNow, reject, fail, backlog: () => pacer.backlog(), held: (doc) => heldRoom(docs.get(doc)),
    identity: () => ({ version: helloVersion, clientId, user: principal?.subject ?? '' }),
  });
  /** State vector bytes of the sub answers waiting in the pacer. */
  let queuedSyncBytes = 0;
  const assembly = createPushAssembly({
    maxUpdateBytes: limits.maxUpdateBytes,
    budget: nodeAssemblyBudget(ctx, limits.maxAssemblyBytesPerNode),
    refusal: (doc) => drainingWith ?? (canWrite(principal!, spaceOf(doc)) ? null : canRead(principal!, spaceOf(doc)) ? 'READ_ONLY' : 'FORBIDDEN'),
    refuse(code, seq, doc, message) {
      if (code === 'READ_ONLY' || code === 'FORBIDDEN') denied(code, doc, 'write');
      reject(code, { seq, doc, message });
      // A retryable refusal must hold every later ack back, as for a push (A1): drain.
      if (isRetryable(code)) drain(code);
    },
  });
  const helloTimer = setTimeout(() => fail('HELLO_REQUIRED', 'no hello within the time limit'), limits.helloTimeoutMs);

  metrics.connections.inc({ endpoint: 'native' });

  function send(frame: Frame): void {
    if (state === 'closed') return;
    sendEncoded(encodeFrame(frame));
  }

  /** Sends a frame already encoded (shared between receivers), unless the socket is past its buffer limit. */
  function sendEncoded(bytes: Uint8Array): void {
    // Records batched for this turn go first: frames leave in the order the session produced them (P4).
    poses.flush();
    sendNow(bytes);
  }

  function sendNow(bytes: Uint8Array): void {
    if (state === 'closed') return;
    if (pacer.backlog() > limits.maxBufferedBytes) {
      fail('SLOW_CONSUMER');
      return;
    }
    socket.send(bytes);
  }

  /** Sends a reject, counts it, and closes the socket with the code's close code. */
  function fail(code: ErrorCode, message?: string, extra: { seq?: number; doc?: string } = {}): void {
    if (state === 'closed') return;
    metrics.rejected.inc({ code });
    if (code !== 'SLOW_CONSUMER') socket.send(encodeFrame(rejectFrame(code, { ...extra, ...(message ? { message } : {}) })));
    close(closeCodeFor(code), code);
  }

  function reject(code: ErrorCode, extra: { seq?: number; doc?: string; message?: string }): void {
    metrics.rejected.inc({ code });
    // A code the client's version does not know is sent as one it handles as safely (frames.ts wireCodeFor).
    const wire = wireCodeFor(code, helloVersion);
    send(rejectFrame(wire, wire === code ? extra : { ...extra, message: extra.message ?? ErrorCodes[code].message }));
  }

  function close(code: number, reason: string): void {
    if (state === 'closed') return;
    cleanup();
    socket.close(code, reason);
  }

  function cleanup(): void {
    state = 'closed';
    clearTimeout(helloTimer);
    releaseQuota?.();
    expiry?.stop();
    assembly.close();
    pacer.close();
    metrics.connections.dec({ endpoint: 'native' });
    for (const held of docs.values()) drop(held);
    docs.clear();
  }

  function drop(held: Held): void {
    if (!held.room) return held.loading?.abort();
    releasePresence(held.room, held.sub);
    poses.left(held.room, held.sub);
    held.room.unsubscribe(held.sub);
    ctx.rooms.release(held.room);
  }

  /** L4: an access decision that refused (S1), with the space and what was asked. */
  function denied(code: 'READ_ONLY' | 'FORBIDDEN', doc: string, op: 'read' | 'write'): void {
    ctx.audit.record({
      action: 'access.denied', outcome: code, tenant: principal!.tenant, subject: principal!.subject, clientId,
      space: spaceOf(doc), doc, detail: { endpoint: 'native', op },
    });
  }

  /** Enters DRAINING with a retryable code (see the header), closing at once if nothing is in flight. */
  function drain(code: ErrorCode): void {
    drainingWith ??= code;
    closeIfDrained();
  }

  function closeIfDrained(): void {
    if (!drainingWith || acks.pending) return;
    acks.flush();
    close(closeCodeFor(drainingWith), drainingWith);
  }

  async function onHello(token: string): Promise<void> {
    state = 'authenticating';
    try {
      principal = await ctx.verify(token);
    } catch (err) {
      const code = isCairnError(err) ? err.code : 'UNAUTHENTICATED';
      ctx.audit.record({ action: 'auth.refused', outcome: code, clientId, ...refusedTokenOwner(err), detail: { endpoint: 'native', reason: isCairnError(err) ? err.message : 'verify failed' } });
      fail(code);
      return;
    }
    if (state !== 'authenticating') return; // closed meanwhile
    let owned: boolean;
    try {
      owned = await ctx.clients.claim(principal, clientId);
    } catch (err) {
      if (!isCairnError(err)) log.error({ err }, 'clientId claim failed');
      fail(isCairnError(err) ? err.code : 'INTERNAL');
      return;
    }
    if (state !== 'authenticating') return;
    const who = { tenant: principal.tenant, subject: principal.subject, clientId };
    if (!owned) {
      ctx.audit.record({ action: 'connect', outcome: 'CLIENT_ID_TAKEN', ...who, detail: { endpoint: 'native' } });
      return fail('CLIENT_ID_TAKEN'); // C5
    }
    // L3: protocol 4 welcomes name the database's epoch; older clients are not told (and not asked to wait).
    let epoch = '';
    if (helloVersion >= 4) {
      try {
        epoch = await ctx.epoch();
      } catch (err) {
        if (!isCairnError(err)) log.error({ err }, 'epoch read failed');
        fail(isCairnError(err) ? err.code : 'INTERNAL');
        return;
      }
      if (state !== 'authenticating') return;
    }
    try {
      releaseQuota = ctx.quotas.connect(principal.tenant);
    } catch (err) {
      const code = toCairnError(err).code;
      ctx.audit.record({ action: 'connect', outcome: code, ...who, detail: { endpoint: 'native' } });
      return fail(code);
    }
    ctx.audit.record({ action: 'connect', ...who, detail: { endpoint: 'native' } });
    clearTimeout(helloTimer);
    state = 'open';
    expiry = watchTokenExpiry(principal, () => {
      ctx.audit.record({ action: 'auth.refused', outcome: 'TOKEN_EXPIRED', ...who, detail: { endpoint: 'native' } });
      metrics.rejected.inc({ code: 'TOKEN_EXPIRED' });
      drain('TOKEN_EXPIRED');
    });
    send({
      type: 'welcome', protocolVersion: helloVersion, nodeId: ctx.nodeId, heartbeatMs: limits.heartbeatMs, maxPayload: limits.maxPayload,
      maxUpdateBytes: limits.maxUpdateBytes, maxPushesPerSecond: limits.maxPushesPerSecond,
      maxPosesPerSecond: limits.maxPosesPerSecond, presenceTimeoutMs: limits.presenceTimeoutMs, epoch,
    });
    socket.authenticated?.();
    for (const bytes of early.splice(0)) receive(bytes);
  }

  async function onSub(doc: string, stateVector: Uint8Array): Promise<void> {
    const p = principal!;
    const space = spaceOf(doc);
    if (!canRead(p, space)) {
      denied('FORBIDDEN', doc, 'read');
      return reject('FORBIDDEN', { doc });
    }
    const existing = docs.get(doc);
    if (!existing && docs.size >= limits.maxDocsPerSocket) return reject('TOO_MANY_DOCS', { doc });
    let held = existing;
    if (!held) {
      const pose = poses.receiver(doc);
      const sub: RoomSubscriber = {
        update: (version, update) => sendEncoded(updateFrame(doc, version, update)),
        presence: (payload) => send({ type: 'presence', doc, payload }),
        // L2: the doc was deleted while subscribed: the client drops its copy and stops resubscribing.
        deleted: () => {
          const mine = docs.get(doc);
          if (mine?.sub !== sub) return;
          docs.delete(doc);
          drop(mine);
          reject('DOC_DELETED', { doc });
        },
        ...(pose ? { pose } : {}),
      };
      const loading = new AbortController();
      held = { room: null, sub, loading };
      docs.set(doc, held);
      let room: Room;
      try {
        room = await ctx.rooms.acquire(p.tenant, doc, { owner: loads, signal: loading.signal });
      } catch (err) {
        if (docs.get(doc) !== held || state !== 'open') return; // unsubscribed or closed while loading
        docs.delete(doc);
        if (isCairnError(err) && err.code === 'OVERLOADED') return refuseSub('OVERLOADED', doc);
        if (isCairnError(err) && err.code === 'DOC_DELETED') return reject('DOC_DELETED', { doc });
        log.error({ err, doc }, 'room load failed');
        return reject('STORE_UNAVAILABLE', { doc });
      }
      if (docs.get(doc) !== held || state !== 'open') {
        ctx.rooms.release(room); // unsubscribed or closed while loading
        return;
      }
      held.room = room;
      held.loading = null;
    }
    const room = held.room;
    if (!room) return; // a second sub while the first is loading: the first one answers
    const h = held;
    // A waiting answer holds its state vector. Copied, so it holds only its own bytes (a view would keep the
    // frame and the socket read it came in), and bounded like the outbound buffer: a reader that does not
    // read could otherwise resend subs, 200 a second with up to maxPayload each, and nothing ever closed it.
    const sv = stateVector.slice();
    queuedSyncBytes += sv.byteLength;
    if (queuedSyncBytes > limits.maxBufferedBytes) return fail('SLOW_CONSUMER');
    // The answer waits for room in the outbound buffer (sync-pacer.ts); the subscription starts with it.
    pacer.answer(() => {
      queuedSyncBytes -= sv.byteLength;
      if (state !== 'open' || docs.get(doc) !== h || h.room !== room) return; // unsubscribed or closed meanwhile
      // Subscribe and compute the answer in the same tick: no committed update can fall between the two.
      if (!room.subscribers.has(h.sub)) room.subscribe(h.sub);
      let answer: { version: number; update: Uint8Array };
      try {
        answer = room.syncFor(sv);
      } catch {
        // A state vector that does not decode is this frame's problem: refused with its doc, the socket goes on.
        if (!existing) {
          docs.delete(doc);
          drop(h);
        }
        return reject('MALFORMED_FRAME', { doc, message: 'the state vector does not decode' });
      }
      // L3: from protocol 4 the answer carries the room's state vector, so a replica that holds what a
      // restored server lacks can push exactly that.
      const bytes = syncFrame(doc, answer.version, canWrite(p, space), answer.update, helloVersion >= 4 ? Y.encodeStateVector(room.ydoc) : null);
      sendEncoded(bytes);
      pacer.sent(bytes.byteLength);
      poses.joined(room, h.sub);
    });
  }

  /**
   * A sub refused as retryable (RATE_LIMITED, OVERLOADED) names its doc and drains the session: the client
   * does not retry a refused sub on its own, but it resubscribes every doc when it reconnects after its
   * backoff, and a churning socket is cut off.
   */
  function refuseSub(code: ErrorCode, doc: string): void {
    reject(code, { doc });
    drain(code);
  }

  function onPush(doc: string, seq: number, update: Uint8Array): void {
    const p = principal!;
    if (drainingWith) return reject(drainingWith, { seq, doc });
    const refusal: ErrorCode | null = ctx.shuttingDown() ? 'SHUTTING_DOWN' : bucket.take() ? null : 'RATE_LIMITED';
    if (refusal) {
      reject(refusal, { seq, doc });
      return drain(refusal);
    }
    const space = spaceOf(doc);
    if (!canWrite(p, space)) {
      const code = canRead(p, space) ? 'READ_ONLY' : 'FORBIDDEN';
      denied(code, doc, 'write');
      return reject(code, { seq, doc });
    }
    const settle = acks.track(seq);
    const source = docs.get(doc)?.sub ?? null;
    ctx.commit.write({ tenant: p.tenant, doc, clientId, seq, actor: p.subject, update, source, loads }).then(
      () => settle('committed'),
      (err: unknown) => {
        if (state === 'closed') return;
        const code: ErrorCode = isCairnError(err) ? err.code : 'INTERNAL';
        if (!isCairnError(err)) log.error({ err, doc, seq }, 'commit path failed');
        reject(code, { seq, doc });
        if (isCairnError(err) && !err.retryable) return settle('rejected');
        drainingWith ??= code;
        settle('failed');
      },
    );
  }

  function onPresence(doc: string, payload: Uint8Array): void {
    const held = docs.get(doc);
    if (!held?.room) return reject('FORBIDDEN', { doc, message: 'presence needs a subscription to the doc' });
    // Over the rate, presence is dropped, not refused: the next state supersedes it (P2).
    if (!presenceBucket.take()) return void metrics.rejected.inc({ code: 'RATE_LIMITED' });
    const refusal = applyGuardedPresence(held.room, payload, held.sub, limits);
    if (refusal) fail(refusal, undefined, { doc });
  }

  /**
   * S8: past the token's exp the session serves nothing more. A push gets its own retryable reject (it stays
   * in the client's outbox and is resent on the next session); pushes already in flight still get their acks.
   */
  function refuseExpired(frame: Frame): void {
    if (frame.type === 'push') reject('TOKEN_EXPIRED', { seq: frame.seq, doc: frame.doc });
    drain('TOKEN_EXPIRED');
  }

  function dispatch(frame: Frame): void {
    if (expiry?.expired()) return refuseExpired(frame);
    switch (frame.type) {
      case 'sub':
        if (drainingWith) return; // closing: the client resubscribes when it reconnects
        if (!subBucket.take()) return refuseSub('RATE_LIMITED', frame.doc);
        void onSub(frame.doc, frame.stateVector).catch((err: unknown) => log.error({ err }, 'sub failed'));
        return;
      case 'unsub': {
        const held = docs.get(frame.doc);
        if (held) {
          docs.delete(frame.doc);
          drop(held);
        }
        return;
      }
      case 'push':
        assembly.push();
        return onPush(frame.doc, frame.seq, frame.update);
      case 'push-part': {
        const whole = assembly.part(frame);
        if (whole) onPush(whole.doc, whole.seq, whole.update);
        return;
      }
      case 'presence':
        return onPresence(frame.doc, frame.payload);
      case 'pose':
        return poses.onPose(frame.doc, frame.record);
      case 'ping':
        return send({ type: 'pong', id: frame.id });
      case 'pong':
        return;
      case 'hello':
        return fail('MALFORMED_FRAME', 'hello sent twice');
      default:
        return fail('MALFORMED_FRAME', `${frame.type} is not a client frame`);
    }
  }

  function receive(bytes: Uint8Array): void {
    if (state === 'closed') return;
    lastActivity = performance.now();
    if (bytes.byteLength > limits.maxPayload) return fail('FRAME_TOO_LARGE');
    if (state === 'authenticating') {
      // Frames sent right behind hello wait for the token check, within the pre-auth limit (S3).
      if (++preAuthFrames > limits.maxPreAuthFrames) return fail('HELLO_REQUIRED', 'too many frames before welcome');
      early.push(bytes);
      return;
    }
    let frame: Frame;
    try {
      frame = decodeFrame(bytes);
    } catch (err) {
      const code = isCairnError(err) ? err.code : 'MALFORMED_FRAME';
      // A bad doc id is the frame's problem, not the socket's: answer it and keep serving.
      if (code === 'INVALID_DOC_ID' && state === 'open') return reject(code, {});
      return fail(code, err instanceof CairnError ? err.message : undefined);
    }
    if (state === 'await-hello') {
      if (frame.type !== 'hello') return fail('HELLO_REQUIRED');
      clientId = frame.clientId;
      helloVersion = frame.protocolVersion;
      // Frames held back during the token check are handled inside onHello: a throw there must not become
      // an unhandled rejection, which ends the process (S6).
      onHello(frame.token).catch((err: unknown) => {
        log.error({ err }, 'hello failed');
        fail('INTERNAL');
      });
      return;
    }
    dispatch(frame);
  }

  return {
    receive,
    closed() {
      if (state !== 'closed') cleanup();
    },
    shutdown() {
      drain('SHUTTING_DOWN');
    },
    lastActivity: () => lastActivity,
    expire() {
      fail('HEARTBEAT_TIMEOUT');
    },
  };
}

