/**
 * A protocol-level test peer: sends frames exactly as given and records every frame the server sends,
 * so tests can check the server's answers byte for byte without the real client in the way.
 */
import { decodeFrame, encodeFrame, toBytes, type ClientSocket, type Frame, type FrameTypeName } from '@cairn/shared';

export interface RawClient {
  /** Every frame received; with `poseRecords`, a `peer-poses` is listed as the `peer-pose` records it carries. */
  readonly frames: Frame[];
  /** Every frame exactly as received, one per WebSocket message. */
  readonly messages: Frame[];
  send(frame: Frame): void;
  sendBytes(bytes: Uint8Array): void;
  /** The next received frame of this type (and matching `where`) not yet taken by an earlier wait. */
  next<T extends FrameTypeName>(type: T, where?: (f: Extract<Frame, { type: T }>) => boolean, timeoutMs?: number): Promise<Extract<Frame, { type: T }>>;
  readonly closed: Promise<{ code: number; reason: string }>;
  isClosed(): boolean;
  close(): void;
}

/**
 * `poseRecords`: list the records of a `peer-poses` frame (the server's batch of one turn, P4) in `frames` as
 * the `peer-pose` frames that would carry them alone, so a test counts and awaits records, not messages.
 */
export async function connectRaw(connect: (url: string) => ClientSocket, url = 'mem://test', opts: { poseRecords?: boolean } = {}): Promise<RawClient> {
  const socket = connect(url);
  socket.binaryType = 'arraybuffer';
  const frames: Frame[] = [];
  const messages: Frame[] = [];
  const taken = new Set<number>();
  let wake: (() => void) | null = null;
  let isClosed = false;
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    socket.onclose = (ev) => {
      isClosed = true;
      resolve({ code: ev.code, reason: String(ev.reason) });
      wake?.();
    };
  });
  socket.onmessage = (ev) => {
    const frame = decodeFrame(toBytes(ev.data));
    messages.push(frame);
    if (opts.poseRecords && frame.type === 'peer-poses') for (const p of frame.poses) frames.push({ type: 'peer-pose', ...p });
    else frames.push(frame);
    wake?.();
  };
  await new Promise<void>((resolve, reject) => {
    socket.onopen = () => resolve();
    socket.onerror = (e) => reject(new Error(`socket error ${String(e)}`));
  });
  return {
    frames,
    messages,
    send: (frame) => socket.send(encodeFrame(frame)),
    sendBytes: (bytes) => socket.send(bytes),
    async next(type, where, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const i = frames.findIndex((f, idx) => !taken.has(idx) && f.type === type && (!where || where(f as never)));
        if (i >= 0) {
          taken.add(i);
          return frames[i] as never;
        }
        if (isClosed) throw new Error(`socket closed while waiting for ${type}; got ${frames.map((f) => f.type).join(',')}`);
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${type}; got ${frames.map((f) => f.type).join(',')}`);
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, 20);
        });
      }
    },
    closed,
    isClosed: () => isClosed,
    close: () => socket.close(),
  };
}
