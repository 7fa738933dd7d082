/**
 * A SessionSocket for unit tests of a session's outbound side: it records every frame sent, counts the bytes
 * "in the send buffer" as bufferedAmount(), and drains them at `drainPerTick` bytes every 2 ms, as a peer
 * reading over a network would (0: a peer that never reads). Call stop() when `drainPerTick` > 0.
 */
import { decodeFrame, type Frame } from '@cairn/shared';

export function fakeSessionSocket(drainPerTick = 0) {
  const sent: Frame[] = [];
  const state = { buffered: 0, peak: 0, closed: null as null | { code: number; reason: string } };
  const timer = drainPerTick > 0 ? setInterval(() => (state.buffered = Math.max(0, state.buffered - drainPerTick)), 2) : null;
  return {
    state,
    sent,
    stop: () => {
      if (timer) clearInterval(timer);
    },
    socket: {
      send: (d: Uint8Array) => {
        sent.push(decodeFrame(d));
        state.buffered += d.byteLength;
        state.peak = Math.max(state.peak, state.buffered);
      },
      close: (code: number, reason: string) => {
        state.closed = { code, reason };
      },
      bufferedAmount: () => state.buffered,
    },
  };
}
