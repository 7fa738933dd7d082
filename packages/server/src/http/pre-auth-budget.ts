/**
 * The bytes a native socket may send before its hello is answered (S3): counted on the raw TCP socket,
 * beside ws's own reader, so a stranger cannot make the node buffer a frame of up to maxPayload (1 MiB)
 * for every socket it opens (300 such sockets held +285 MB; with ws's old 2x cap, +541 MB). Past the budget
 * the socket is destroyed at once, without the close handshake a silent peer could hold open for 30 s.
 */
import type { Duplex } from 'node:stream';

export function guardPreAuth(raw: Duplex, budget: number, onExceeded: () => void): { lift(): void } {
  let seen = 0;
  const count = (chunk: Buffer) => {
    seen += chunk.length;
    if (seen <= budget) return;
    raw.off('data', count);
    onExceeded();
    raw.destroy();
  };
  raw.on('data', count);
  return { lift: () => raw.off('data', count) };
}
