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
 * `restart()` drops the socket and connects again at once (the replica changed its clientId, O6).
 * Frames other than the handshake and ping/pong go to `onFrame` with the session they arrived on;
 * a session is dead once its socket is: stale callbacks compare sessions and do nothing.
 */
import {
  CairnError, ErrorCodes, PROTOCOL_VERSION, SocketState, closeCodeFor, decodeFrame, encodeFrame, errorCodeFromClose,
  toBytes, type ClientSocket, type ClientSocketFactory, type ErrorCode, type Frame, type RejectFrame, type WelcomeFrame,
} from '@cairn/shared';
import { backoffDelay, type BackoffOptions } from './backoff.js';
import { createHeartbeat, type Heartbeat } from './heartbeat.js';
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
  onPhase(phase: Phase): void;
  onOpen(session: Session): void;
  onClose(session: Session): void;
  onFrame(frame: Frame, session: Session): void;
  onFatal(err: CairnError): void;
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
  session: (Session & { alive: boolean }) | null;
  heartbeat: Heartbeat;
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
      session: null,
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
    socket.onopen = () => {
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
    const session = {
      id: ++sessions,
      generation: creds.generation,
      maxPayload: w.maxPayload,
      maxUpdateBytes: w.maxUpdateBytes,
      maxPushesPerSecond: w.maxPushesPerSecond,
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
    if (a.socket) a.socket.onopen = a.socket.onmessage = a.socket.onclose = a.socket.onerror = null;
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
    setPhase('offline');
    if (!wanted()) return;
    const delay = backoffDelay(attempt++, o.random, o.backoff);
    retryTimer = o.timers.setTimeout(connect, delay);
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
