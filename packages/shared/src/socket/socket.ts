/**
 * The Socket seam. The client talks to a {@link ClientSocket}: the subset of the browser `WebSocket` it
 * uses, so the browser's WebSocket, the `ws` package's WebSocket and the in-memory pair all fit. The server
 * hands each session a {@link SessionSocket} and feeds it frames; the `ws` adapter lives in the server's
 * http/ folder, the in-memory pair in this folder (for simulations and unit tests).
 */
export const SocketState = { CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3 } as const;

export interface ClientSocket {
  readonly readyState: number;
  binaryType: BinaryType;
  send(data: Uint8Array): void;
  close(code?: number, reason?: string): void;
  // DOM event types, so that the browser's WebSocket is assignable as it is. Cairn reads only
  // `data` of a message event and `code`/`reason` of a close event.
  onopen: ((ev: Event) => void) | null;
  onmessage: ((ev: MessageEvent) => void) | null;
  onclose: ((ev: CloseEvent) => void) | null;
  onerror: ((ev: Event) => void) | null;
}

export type ClientSocketFactory = (url: string) => ClientSocket;

/** What a server session may do with its socket. */
export interface SessionSocket {
  send(data: Uint8Array): void;
  close(code: number, reason: string): void;
  /** Bytes queued but not yet written to the peer (for the slow-consumer limit, S3). */
  bufferedAmount(): number;
  /** Called once the session answered hello: the transport lifts its pre-auth byte budget (S3). */
  authenticated?(): void;
}

/** What the server returns for each accepted socket: where to feed frames and the close. */
export interface SessionHandle {
  receive(data: Uint8Array): void;
  closed(code: number, reason: string): void;
}

export type SessionAcceptor = (socket: SessionSocket) => SessionHandle;

/** Converts what a WebSocket message event carries into bytes. */
export function toBytes(data: unknown): Uint8Array {
  if (data instanceof Uint8Array) return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (Array.isArray(data)) {
    // ws may hand over fragmented messages as Buffer[] when binaryType is 'fragments'
    const parts = data as Uint8Array[];
    const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
    let o = 0;
    for (const p of parts) { out.set(p, o); o += p.byteLength; }
    return out;
  }
  throw new TypeError('text frames are not part of the Cairn protocol');
}
