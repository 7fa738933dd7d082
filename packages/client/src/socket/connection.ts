/**
 * ③ The connection: one socket at a time, its handshake, reconnects with backoff, the heartbeat (O4).
 *
 *                    start · goOnline · network 'online' · backoff timer
 *      ┌─────────┐ ─────────────────────────────────────────────────────▶ ┌────────────┐
 *      │ offline │                                                        │ connecting │ socket + hello
 *      └─────────┘ ◀─── close · error · silence (2 intervals) ─────────── └────────────┘
 *        ▲  ▲  ▲          then retry after backoff(attempt++)                   │ welcome
 *        │  │  │                                                               ▼ attempt = 0
 *        │  │  └─────── close · error · silence · malformed frame ──────── ┌────────┐
 *        │  │                 then retry after backoff(attempt++)          │  open  │ status: syncing
 *        │  └─ goOffline · network 'offline' (from any state, no retry)    └────────┘   or synced
 *        └──── reject/close UNAUTHENTICATED or PROTOCOL_VERSION: fatal, no retry until goOnline()
 *
 * TOKEN_EXPIRED (close 4021 from an open session, S8) is not a failure: the retry runs at once, with no
 * backoff, and `credentials()` asks the app's token function again. Pushes the old session did not ack
 * stay in the outbox and the push loop resends them on the new one (O2).
 *
 * Diagnosis. An attempt that closes before its socket ever opened (a browser shows only close 1006) is
 * followed by `probe(url)` (socket/probe.ts), while the retry timer runs as usual. Each diagnosis is told
 * once per streak of failures (a welcome or goOnline() starts a new streak):
 *
 *   UNREACHABLE, or any retryable code  ──▶ an `error` event; the backoff retries go on (the server may
 *                                            come back; a fresh streak is told again)
 *   NOT_FOUND, ORIGIN_NOT_ALLOWED, or   ──▶ fatal: offline, no retry until goOnline(). A wrong path or a
 *   any other non-retryable code            missing allowlist entry is fixed by a deployment, not by time;
 *                                            retrying would only add refusals to the server's log.
 *
 * `restart()` drops the socket and connects again at once (the replica changed its clientId, O6).
 * CLIENT_ID_TAKEN at hello (C5) is not fatal: `onClientIdTaken` renews the replica's clientId and the next
 * attempt (after the usual backoff, so a server that refuses every id is not hammered) says hello with it.
 * Frames other than the handshake and ping/pong go to `onFrame` with the session they arrived on;
 * a session is dead once its socket is: stale callbacks compare sessions and do nothing.
 */
import {
  CairnError, ErrorCodes, PROTOCOL_VERSION, SocketState, closeCodeFor, decodeFrame, encodeFrame, errorCodeFromClose,
  isRetryable, toBytes, type ClientSocket, type ClientSocketFactory, type ErrorCode, type Frame, type RejectFrame, type WelcomeFrame,
} from '@cairn/shared';
import { backoffDelay, type BackoffOptions } from './backoff.js';
import { createHeartbeat, type Heartbeat } from './heartbeat.js';
import type { Probe } from './probe.js';
import type { Timers } from './timers.js';

export type Phase = 'offline' | 'connecting' | 'open';

/** The CairnError a reject frame stands for (its message only when it adds to the catalog's). */
export function rejectionError(frame: RejectFrame): CairnError {
  return frame.message === ErrorCodes[frame.code].message ? new CairnError(frame.code) : new CairnError(frame.code, frame.message);
}

/** Rejections that no retry can fix: reconnecting would only hammer the server. */
const FATAL: ReadonlySet<ErrorCode> = new Set(['UNAUTHENTICATED', 'PROTOCOL_VERSION']);

export interface Session {
  readonly id: number;
  /** The replica generation the hello was sent for (seqs on this session are numbered in it). */
  readonly generation: number;
  readonly maxPayload: number;
  /** Largest update the server takes in push-part fragments; 0: none (A3). */
  readonly maxUpdateBytes: number;
  /** The server's push rate per socket; 0: not stated. */
  readonly maxPushesPerSecond: number;
  /** The server's pose rate per socket and when it drops a silent peer (P4); 0: not stated (protocol < 3). */
  readonly maxPosesPerSecond: number;
  readonly presenceTimeoutMs: number;
  /** L3: the server's epoch ('' from a server before protocol 4). */
  readonly epoch: string;
  readonly alive: boolean;
  send(frame: Frame): void;
  /** Sends a frame already encoded (pushes are measured against maxPayload first). */
  sendEncoded(bytes: Uint8Array): void;
}

export interface Credentials {
  clientId: string;
  token: string;
  generation: number;
}

export interface ConnectionOptions {
  url: string;
  socket: ClientSocketFactory;
  credentials(): Promise<Credentials>;
  timers: Timers;
  random(): number;
  backoff: BackoffOptions;
  /** Overrides the welcome's heartbeat interval; also the handshake timeout's base. */
  heartbeatMs: number | undefined;
  defaultHeartbeatMs: number;
  networkOnline: boolean;
  /** Diagnoses an attempt that never opened (see the header); null: no diagnosis. */
  probe: Probe | null;
  onPhase(phase: Phase): void;
  onOpen(session: Session): void;
  onClose(session: Session): void;
  onFrame(frame: Frame, session: Session): void;
  onFatal(err: CairnError): void;
  /** The server refused this clientId as another principal's; `credentials()` must give a fresh one next. */
  onClientIdTaken(taken: string): void;
  /** Failures that do not stop the connection, retryable diagnoses (UNREACHABLE) among them. */
  onError(err: unknown): void;
}

export interface Connection {
  readonly phase: Phase;
  start(): void;
  goOffline(): void;
  goOnline(): void;
  setNetworkOnline(online: boolean): void;
  restart(): void;
  destroy(): void;
}

interface Attempt {
  socket: ClientSocket | null;
  /** The socket fired `open`: a failure after it is not the handshake's. */
  opened: boolean;
  session: (Session & { alive: boolean }) | null;
  heartbeat: Heartbeat;
  /** The clientId this attempt's hello named, once sent. */
  clientId: string | null;
}

export function createConnection(o: ConnectionOptions): Connection {
  let phase: Phase = 'offline';
  let started = false;
  let appOnline = true;
  let networkOnline = o.networkOnline;
  let fatal = false;
  let destroyed = false;
  let attempt = 0;
  let retryTimer: unknown = null;
  let current: Attempt | null = null;
  let sessions = 0;
  let pings = 0;
  /** Bumped when a streak of failures ends: a probe answer for an older streak is stale. */
  let streak = 0;
  const told = new Set<ErrorCode>();

  const wanted = () => started && appOnline && networkOnline && !fatal && !destroyed;

  function setPhase(next: Phase): void {
    if (next === phase) return;
    phase = next;
    o.onPhase(next);
  }

  function clearRetry(): void {
    if (retryTimer !== null) o.timers.clearTimeout(retryTimer);
    retryTimer = null;
  }

  function connect(): void {
    clearRetry();
    if (current || !wanted()) return;
    const a: Attempt = {
      socket: null,
      opened: false,
      session: null,
      clientId: null,
      heartbeat: createHeartbeat(
        o.timers,
        () => sendOn(a, { type: 'ping', id: ++pings % 0x7fffffff }),
        () => {
          a.socket?.close(closeCodeFor('HEARTBEAT_TIMEOUT'), 'heartbeat timeout');
          down(a, null);
        },
      ),
    };
    current = a;
    setPhase('connecting');
    // Silence covers the whole handshake too: a connect that hangs is retried like a dead socket.
    a.heartbeat.watch(o.heartbeatMs ?? o.defaultHeartbeatMs);
    void o.credentials().then(
      (creds) => open(a, creds),
      (err: unknown) => {
        if (current !== a) return;
        o.onError(err);
        down(a, null);
      },
    );
  }

  function open(a: Attempt, creds: Credentials): void {
    if (current !== a) return;
    let socket: ClientSocket;
    try {
      socket = o.socket(o.url);
      socket.binaryType = 'arraybuffer';
    } catch (err) {
      o.onError(err);
      down(a, null);
      return;
    }
    a.socket = socket;
    a.clientId = creds.clientId;
    socket.onopen = () => {
      a.opened = true;
      sendOn(a, { type: 'hello', protocolVersion: PROTOCOL_VERSION, clientId: creds.clientId, token: creds.token });
    };
    socket.onmessage = (ev) => receive(a, creds, ev.data);
    socket.onclose = (ev) => down(a, ev.code);
    socket.onerror = () => undefined; // a close event always follows
  }

  function sendOn(a: Attempt, frame: Frame): void {
    sendBytesOn(a, encodeFrame(frame));
  }

  function sendBytesOn(a: Attempt, bytes: Uint8Array): void {
    if (current !== a || a.socket?.readyState !== SocketState.OPEN) return;
    a.socket.send(bytes);
  }

  function receive(a: Attempt, creds: Credentials, data: unknown): void {
    if (current !== a) return;
    a.heartbeat.received();
    let frame: Frame;
    try {
      frame = decodeFrame(toBytes(data));
    } catch (err) {
      o.onError(err);
      a.socket?.close(closeCodeFor('MALFORMED_FRAME'), 'malformed frame');
      down(a, null);
      return;
    }
    if (frame.type === 'ping') return sendOn(a, { type: 'pong', id: frame.id });
    if (frame.type === 'pong') return;
    if (a.session) return o.onFrame(frame, a.session);
    if (frame.type === 'welcome') return welcome(a, creds, frame);
    if (frame.type === 'reject' && FATAL.has(frame.code)) return stopFatal(a, rejectionError(frame));
    // Anything else before the welcome (a retryable reject) is followed by the server's close.
  }

  function welcome(a: Attempt, creds: Credentials, w: WelcomeFrame): void {
    const serverHeartbeatMs = w.heartbeatMs;
    attempt = 0;
    newStreak();
    const session = {
      id: ++sessions,
      generation: creds.generation,
      maxPayload: w.maxPayload,
      maxUpdateBytes: w.maxUpdateBytes,
      maxPushesPerSecond: w.maxPushesPerSecond,
      maxPosesPerSecond: w.maxPosesPerSecond,
      presenceTimeoutMs: w.presenceTimeoutMs,
      epoch: w.epoch,
      alive: true,
      send: (frame: Frame) => sendOn(a, frame),
      sendEncoded: (bytes: Uint8Array) => sendBytesOn(a, bytes),
    };
    a.session = session;
    a.heartbeat.start(o.heartbeatMs ?? (serverHeartbeatMs > 0 ? serverHeartbeatMs : o.defaultHeartbeatMs));
    // Subs first: the phase must not read 'open' while no doc is awaiting its sync yet (a false 'synced').
    o.onOpen(session);
    setPhase('open');
  }

  /** Forgets the attempt and its socket (which the caller closed, or which closed itself). */
  function drop(a: Attempt): void {
    current = null;
    a.heartbeat.stop();
    if (a.socket) {
      a.socket.onopen = a.socket.onmessage = a.socket.onclose = null;
      // A socket closed while still connecting reports an error afterwards; `ws` throws one nobody listens to.
      a.socket.onerror = () => undefined;
    }
    if (a.session) {
      a.session.alive = false;
      o.onClose(a.session);
    }
  }

  function down(a: Attempt, closeCode: number | null): void {
    if (current !== a) return;
    drop(a);
    const code = closeCode === null ? undefined : errorCodeFromClose(closeCode);
    if (code && FATAL.has(code)) return stopFatal(null, new CairnError(code));
    if (code === 'CLIENT_ID_TAKEN' && a.clientId !== null && !a.session) o.onClientIdTaken(a.clientId);
    setPhase('offline');
    if (!wanted()) return;
    // Only after a welcome: a TOKEN_EXPIRED that never let a session open must not spin without backoff.
    if (code === 'TOKEN_EXPIRED' && a.session) {
      retryTimer = o.timers.setTimeout(connect, 0);
      return;
    }
    if (a.socket && !a.opened) diagnose();
    const delay = backoffDelay(attempt++, o.random, o.backoff);
    retryTimer = o.timers.setTimeout(connect, delay);
  }

  function newStreak(): void {
    streak++;
    told.clear();
  }

  function diagnose(): void {
    if (!o.probe) return;
    const asked = streak;
    o.probe(o.url).then(
      (code) => {
        if (asked !== streak || destroyed || fatal || code === null || told.has(code)) return;
        told.add(code);
        const err = new CairnError(code);
        if (isRetryable(code)) return o.onError(err);
        hangUp('misconfigured');
        stopFatal(null, err);
      },
      (err: unknown) => o.onError(err),
    );
  }

  function stopFatal(a: Attempt | null, err: CairnError): void {
    if (a) {
      if (current !== a) return;
      a.socket?.close(1000, 'fatal rejection');
      drop(a);
    }
    fatal = true;
    clearRetry();
    setPhase('offline');
    o.onFatal(err);
  }

  /** Closes the current socket on purpose (no retry is scheduled by it). */
  function hangUp(reason: string): void {
    clearRetry();
    streak++; // a probe still out speaks of the attempts before this
    const a = current;
    if (!a) return;
    a.socket?.close(1000, reason);
    drop(a);
    setPhase('offline');
  }

  return {
    get phase() {
      return phase;
    },
    start() {
      started = true;
      connect();
    },
    goOffline() {
      appOnline = false;
      hangUp('offline');
    },
    goOnline() {
      appOnline = true;
      fatal = false;
      attempt = 0;
      newStreak();
      connect();
    },
    setNetworkOnline(online) {
      networkOnline = online;
      if (!online) return hangUp('network offline');
      attempt = 0;
      connect();
    },
    restart() {
      if (!current) return;
      hangUp('restart');
      connect();
    },
    destroy() {
      destroyed = true;
      hangUp('client destroyed');
    },
  };
}
