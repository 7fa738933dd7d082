/**
 * A WebSocket upgrade by hand over plain TCP, for tests that must do what no WebSocket library does: send
 * part of a frame and hold it, or read the HTTP answer of a refused upgrade. Also the RSS of a process.
 */
import { connect, type Socket } from 'node:net';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';

export type UpgradeResult =
  | { ok: true; socket: Socket }
  | { ok: false; status: number; body: string };

/** Sends the upgrade request for `path` (from `localAddress` if given) and waits for the status line. */
export function rawUpgrade(port: number, path: string, opts: { localAddress?: string } = {}): Promise<UpgradeResult> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1', ...(opts.localAddress ? { localAddress: opts.localAddress } : {}) });
    let got = Buffer.alloc(0);
    socket.once('error', reject);
    socket.on('data', function onData(chunk: Buffer) {
      got = Buffer.concat([got, chunk]);
      const end = got.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = got.subarray(0, end).toString();
      const status = Number(head.split(' ')[1]);
      if (status === 101) {
        socket.off('data', onData);
        socket.off('error', reject);
        socket.on('error', () => undefined); // the server may reset it; the test looks at 'close'
        resolve({ ok: true, socket });
        return;
      }
      const length = Number(/content-length: (\d+)/i.exec(head)?.[1] ?? 0);
      if (got.length < end + 4 + length) return;
      socket.destroy();
      resolve({ ok: false, status, body: got.subarray(end + 4, end + 4 + length).toString() });
    });
    socket.write(
      `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
    );
  });
}

/** The header of a masked binary frame that announces `length` payload bytes. */
export function frameHeader(length: number): Buffer {
  const h = Buffer.alloc(14);
  h[0] = 0x82;
  h[1] = 0x80 | 127;
  h.writeBigUInt64BE(BigInt(length), 2);
  randomBytes(4).copy(h, 10);
  return h;
}

/** A process's resident set size in bytes, from /proc (Linux). */
export function rssOf(pid: number): number {
  const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  if (kb === undefined) throw new Error(`no VmRSS for ${pid}`);
  return Number(kb) * 1024;
}
