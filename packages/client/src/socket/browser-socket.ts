import type { ClientSocket } from '@cairn/shared';

/** The default socket factory: the host's WebSocket, with binary messages as ArrayBuffers. */
export function browserSocket(url: string): ClientSocket {
  const ws = new WebSocket(url);
  ws.binaryType = 'arraybuffer';
  return ws;
}
