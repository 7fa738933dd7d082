/**
 * Dead-socket detection (O4). A socket that delivers no frame for two intervals is declared dead: a
 * half-open TCP connection (laptop lid closed, NAT dropped the mapping) never fires `close` by itself.
 * Pings every interval give a healthy server something to answer, so silence means death, not idleness.
 * Before the welcome (no interval known yet) only the silence watchdog runs: the server counts pre-auth
 * frames, so the client does not ping before it is welcomed.
 */
import type { Timers } from './timers.js';

export interface Heartbeat {
  /** Arms the silence watchdog alone (handshake phase). */
  watch(intervalMs: number): void;
  /** Pings every `intervalMs` and keeps the watchdog at 2 × intervalMs. */
  start(intervalMs: number): void;
  /** A frame arrived: the socket is alive. */
  received(): void;
  stop(): void;
}

export function createHeartbeat(timers: Timers, ping: () => void, dead: () => void): Heartbeat {
  let intervalMs = 0;
  let pinging = false;
  let pingTimer: unknown = null;
  let watchdog: unknown = null;

  function arm(): void {
    if (watchdog !== null) timers.clearTimeout(watchdog);
    watchdog = timers.setTimeout(() => {
      watchdog = null;
      heartbeat.stop();
      dead();
    }, 2 * intervalMs);
  }

  function schedulePing(): void {
    pingTimer = timers.setTimeout(() => {
      pingTimer = null;
      ping();
      if (pinging) schedulePing();
    }, intervalMs);
  }

  const heartbeat: Heartbeat = {
    watch(ms) {
      intervalMs = ms;
      arm();
    },
    start(ms) {
      intervalMs = ms;
      pinging = true;
      arm();
      if (pingTimer !== null) timers.clearTimeout(pingTimer);
      schedulePing();
    },
    received() {
      if (watchdog !== null) arm();
    },
    stop() {
      pinging = false;
      if (watchdog !== null) timers.clearTimeout(watchdog);
      if (pingTimer !== null) timers.clearTimeout(pingTimer);
      watchdog = pingTimer = null;
    },
  };
  return heartbeat;
}
