/**
 * A Fastify plugin that owns the WebSocket endpoints: `/v1/sync` (native) and `/y/:room` (y-websocket).
 * Everything that can refuse a socket happens BEFORE the handshake, as a plain HTTP answer: an Origin
 * outside the allowlist (S2, 403), a `/y/` token that does not verify (S1, 401), an unknown path (404), a
 * node that is shutting down (503), a cap on sockets reached (503, S7). The ws library enforces a hard
 * frame cap (maxPayload plus framing slack); sessions enforce `maxPayload` with a coded error below it, and
 * a native socket may send only `maxPreAuthBytes` before its hello is answered (S3).
 *
 * Every refusal but SHUTTING_DOWN is logged at warn, rate-limited per code: a misconfigured deployment (a
 * wrong path, a missing allowlist entry) shows up in the log at once, and a client that retries forever,
 * or an attacker, cannot flood it. A plain GET of `/v1/sync` tells a client why its upgrade fails
 * (http/sync-probe.ts).
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { CairnError, ErrorCodes, closeCodeFor, isCairnError, isValidDocId, toBytes, type ErrorCode, type SessionHandle, type SessionSocket } from '@cairn/shared';
import type { Principal } from '../auth/principal.js';
import { canRead } from '../auth/access.js';
import type { SyncNode } from '../sync-node.js';
import { createConnectionCaps } from './connection-caps.js';
import { guardPreAuth } from './pre-auth-budget.js';
import { createRateLimitedLog } from '../log/rate-limited-log.js';
import { registerSyncProbe } from './sync-probe.js';
import { originRefused, type OriginPolicy } from './origin-check.js';
import { guarded } from '../session/socket-guard.js';
import { atTurnEnd } from '../turn-end.js';
import { refusedTokenOwner } from '../auth/tokens.js';

export interface WebSocketOptions {
  node: SyncNode;
  verify: (token: string) => Promise<Principal>;
  /** S2: the Origins that may open sockets (http/origin-check.ts). */
  origins: OriginPolicy;
  /** S8: upgrades whose Host this server does not serve get 421 before anything else (http/host-allowlist.ts). */
  hostAllowed?: (host: string | undefined) => boolean;
  defaultSpace: string;
  /** Seconds between protocol-level pings; a socket that missed one pong is terminated. */
  pingIntervalSec?: number;
  /** Open sockets on both endpoints, in total (default 10,000) and per remote address (default 256). */
  maxConnections?: number;
  maxConnectionsPerAddress?: number;
}

/**
 * What ws accepts above maxPayload, so a frame a little too large still reaches the session and gets its
 * coded FRAME_TOO_LARGE; anything larger is cut off by ws itself (close 1009) before it is buffered.
 */
const FRAME_SLACK = 64 * 1024;

const STATUS: Partial<Record<ErrorCode, [number, string]>> = {
  ORIGIN_NOT_ALLOWED: [403, 'Forbidden'],
  HOST_NOT_ALLOWED: [421, 'Misdirected Request'],
  UNAUTHENTICATED: [401, 'Unauthorized'],
  FORBIDDEN: [403, 'Forbidden'],
  NOT_FOUND: [404, 'Not Found'],
  BAD_REQUEST: [400, 'Bad Request'],
  SHUTTING_DOWN: [503, 'Service Unavailable'],
  TOO_MANY_CONNECTIONS: [503, 'Service Unavailable'],
};

function refuse(socket: Duplex, code: ErrorCode): void {
  const [status, text] = STATUS[code] ?? [500, 'Internal Server Error'];
  const body = JSON.stringify({ error: { code, message: ErrorCodes[code].message, retryable: ErrorCodes[code].retryable } });
  socket.end(`HTTP/1.1 ${status} ${text}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}

/** A `/y/` room name from its path segment; null when its percent-encoding does not decode (a 400, not a throw). */
function decodeRoom(segment: string): string | null {
  try {
    return decodeURIComponent(segment);
  } catch {
    return null;
  }
}

/**
 * Frames a session sends in one event-loop turn leave in ONE write per socket. A socket write on loopback
 * or a LAN costs a syscall plus the TCP work, ~10-20 µs, whatever its size; the group commit (A2) resolves
 * a whole batch of pushes in one turn, so a receiver in a busy room gets several updates and an ack per
 * write instead of one write each (bench/: the writes were a third of the server's CPU in fan-out).
 * The first send of a turn corks the raw socket and the end of the turn uncorks it: ws still frames and
 * writes everything itself, in order with its own pings and close frames, and Node hands what piled up
 * to the kernel as one writev. ws counts corked bytes in `bufferedAmount`, so back-pressure still sees them.
 * The uncork is the turn's last step (turn-end.ts): the presence records batched for a socket in the turn
 * are sent just before it, in the same writev.
 */
const corked = new Set<Duplex>();

function uncorkAll(): void {
  // Emptied first: a socket whose uncork throws must not keep the set non-empty, or no later turn would
  // schedule an uncork again and every socket corked after it would stay corked.
  const sockets = [...corked];
  corked.clear();
  let failure: { err: unknown } | null = null;
  for (const raw of sockets) {
    try {
      raw.uncork();
    } catch (err) {
      failure ??= { err };
    }
  }
  if (failure) throw failure.err; // reported by turn-end.ts after the other sockets were written
}

function cork(raw: Duplex): void {
  if (corked.has(raw)) return;
  if (corked.size === 0) atTurnEnd(uncorkAll, 'write');
  corked.add(raw);
  raw.cork();
}

function uncork(raw: Duplex): void {
  if (corked.delete(raw)) raw.uncork();
}

function wrap(ws: WebSocket, raw: Duplex): SessionSocket {
  return {
    send: (data) => {
      if (ws.readyState !== ws.OPEN) return;
      cork(raw);
      ws.send(data, { binary: true });
    },
    close: (code, reason) => {
      uncork(raw);
      ws.close(code, reason);
    },
    bufferedAmount: () => ws.bufferedAmount,
  };
}

/** How long closing handshakes may take at shutdown before the remaining sockets are cut. */
const CLOSE_GRACE_MS = 2000;

export function registerWebSockets(app: FastifyInstance, opts: WebSocketOptions): { stopAccepting(): void; close(): Promise<void> } {
  const { node } = opts;
  const wss = new WebSocketServer({ noServer: true, maxPayload: node.limits.maxPayload + FRAME_SLACK, perMessageDeflate: false });
  const caps = createConnectionCaps({ maxTotal: opts.maxConnections ?? 10_000, maxPerAddress: opts.maxConnectionsPerAddress ?? 256 });
  let accepting = true;
  const alive = new WeakSet<WebSocket>();
  const refusals = createRateLimitedLog({
    info: (o, m) => app.log.info(o, m),
    warn: (o, m) => app.log.warn(o, m),
    error: (o, m) => app.log.error(o, m),
  });

  /** Refuses the upgrade and logs it; the query string is left out of the line (a `/y/` token rides in it). */
  function refused(req: IncomingMessage, socket: Duplex, code: ErrorCode): void {
    const path = (req.url ?? '/').split('?')[0]!.slice(0, 200);
    refusals.limited('warn', code, { code, path, origin: req.headers.origin?.slice(0, 200), address: req.socket.remoteAddress }, 'upgrade refused');
    refuse(socket, code);
  }

  registerSyncProbe(app, (req) => (!accepting ? 'SHUTTING_DOWN' : originRefused(req, opts.origins) ? 'ORIGIN_NOT_ALLOWED' : null));

  function attach(ws: WebSocket, handle: SessionHandle): void {
    alive.add(ws);
    // Sessions guard themselves (session/socket-guard.ts); this catches what happens around them (S6).
    const fault = (err: unknown) => {
      node.metrics.rejected.inc({ code: 'INTERNAL' });
      refusals.limited('error', 'ws', { err }, 'socket handler threw; socket closed');
      ws.close(closeCodeFor('INTERNAL'), 'INTERNAL');
    };
    ws.on('pong', () => alive.add(ws));
    ws.on('message', guarded((data: RawData) => handle.receive(toBytes(data)), fault));
    ws.on('close', guarded((code: number, reason: Buffer) => handle.closed(code, reason.toString()), fault));
    ws.on('error', () => ws.terminate());
  }

  /** L4: what the request says about where it came from (bounded, cleaned by the audit log). */
  function origin(req: IncomingMessage) {
    return { path: (req.url ?? '/').split('?')[0]!.slice(0, 200), origin: req.headers.origin ?? null, host: req.headers.host ?? null, address: req.socket.remoteAddress ?? null };
  }

  async function upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    if (opts.hostAllowed && !opts.hostAllowed(req.headers.host)) {
      node.audit.record({ action: 'upgrade.refused', outcome: 'HOST_NOT_ALLOWED', detail: origin(req) });
      node.metrics.rejected.inc({ code: 'HOST_NOT_ALLOWED' });
      return refused(req, socket, 'HOST_NOT_ALLOWED');
    }
    if (!accepting) return refuse(socket, 'SHUTTING_DOWN');
    const leave = caps.admit(req.socket.remoteAddress ?? '');
    if (!leave) {
      node.metrics.rejected.inc({ code: 'TOO_MANY_CONNECTIONS' });
      return refused(req, socket, 'TOO_MANY_CONNECTIONS');
    }
    socket.once('close', leave);
    const url = new URL(req.url ?? '/', 'http://x');
    if (originRefused(req, opts.origins)) {
      node.audit.record({ action: 'upgrade.refused', outcome: 'ORIGIN_NOT_ALLOWED', detail: origin(req) });
      node.metrics.rejected.inc({ code: 'ORIGIN_NOT_ALLOWED' });
      return refused(req, socket, 'ORIGIN_NOT_ALLOWED');
    }
    if (url.pathname === '/v1/sync') {
      wss.handleUpgrade(req, socket, head, (ws) => {
        const guard = guardPreAuth(socket, node.limits.maxPreAuthBytes, () => node.metrics.rejected.inc({ code: 'HELLO_REQUIRED' }));
        attach(ws, node.acceptNative({ ...wrap(ws, socket), authenticated: guard.lift }));
      });
      return;
    }
    if (url.pathname.startsWith('/y/')) {
      const room = decodeRoom(url.pathname.slice(3));
      const doc = `${opts.defaultSpace}/${room}`;
      if (room === null || !isValidDocId(doc)) return refused(req, socket, 'BAD_REQUEST');
      let principal: Principal;
      try {
        principal = await opts.verify(url.searchParams.get('token') ?? '');
      } catch (err) {
        const code = isCairnError(err) ? err.code : 'UNAUTHENTICATED';
        node.audit.record({ action: 'auth.refused', outcome: code, ...refusedTokenOwner(err), detail: { endpoint: 'y-websocket', reason: isCairnError(err) ? err.message : 'verify failed', ...origin(req) } });
        node.metrics.rejected.inc({ code });
        return refused(req, socket, code);
      }
      if (!canRead(principal, opts.defaultSpace)) {
        node.audit.record({ action: 'access.denied', outcome: 'FORBIDDEN', tenant: principal.tenant, subject: principal.subject, space: opts.defaultSpace, doc, detail: { endpoint: 'y-websocket', op: 'read' } });
        node.metrics.rejected.inc({ code: 'FORBIDDEN' });
        return refused(req, socket, 'FORBIDDEN');
      }
      wss.handleUpgrade(req, socket, head, (ws) => attach(ws, node.acceptY(wrap(ws, socket), { principal, doc, space: opts.defaultSpace })));
      return;
    }
    refused(req, socket, 'NOT_FOUND');
  }

  app.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    // Until ws takes the socket, nothing else listens for its errors: a client that resets the connection
    // while a refusal is written (a page retrying a refused Origin every few ms) would make it emit 'error'
    // with no listener, which ends the process (S6). Such a socket is simply gone.
    socket.on('error', () => socket.destroy());
    upgrade(req, socket, head).catch((err: unknown) => {
      refusals.limited('error', 'upgrade', { err }, 'upgrade failed');
      refuse(socket, err instanceof CairnError ? err.code : 'INTERNAL');
    });
  });

  // Protocol-level ping, as the y-websocket reference server does: drops half-open TCP connections.
  const pinger = setInterval(() => {
    for (const ws of wss.clients) {
      if (!alive.has(ws)) {
        ws.terminate();
        continue;
      }
      alive.delete(ws);
      ws.ping();
    }
  }, (opts.pingIntervalSec ?? 30) * 1000);
  pinger.unref();

  return {
    stopAccepting() {
      accepting = false;
    },
    async close() {
      clearInterval(pinger);
      // Sessions closed their sockets with a code (SHUTTING_DOWN after their last acks). Terminating at once
      // could drop that close frame, and the acks before it, while they still sit in the socket's buffer
      // (a client flooding pushes keeps it full): the peer would see 1006 instead of 4013. So the closing
      // handshakes get a short grace period; a socket still open is closed as going away; then the rest ends.
      const closed = [...wss.clients].map((ws) => new Promise<void>((resolve) => {
        ws.once('close', () => resolve());
        if (ws.readyState === ws.OPEN) ws.close(1001, 'server closing');
      }));
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([Promise.all(closed), new Promise<void>((r) => (timer = setTimeout(r, CLOSE_GRACE_MS)))]);
      clearTimeout(timer);
      for (const ws of wss.clients) ws.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
