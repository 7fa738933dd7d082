// A minimal peer on Cairn's native protocol (/v1/sync, docs/PROTOCOL.md), using the frame codec from
// @cairn/shared: hello, sub, push, and the acks, syncs and updates the server sends back.
import WebSocket from 'ws';
import { PROTOCOL_VERSION, decodeFrame, encodeFrame } from '@cairn/shared';

let counter = 0;

/**
 * @param {{ url: string, onAck?: (seq: number, at: number) => void, onUpdate?: (doc: string, update: Uint8Array, at: number) => void,
 *           onReject?: (frame: object) => void }} o
 */
export function connectNative(o) {
  const ws = new WebSocket(o.url, { perMessageDeflate: false });
  const clientId = `bench-${process.pid}-${++counter}-${Math.random().toString(36).slice(2, 8)}`;
  const syncs = new Map(); // doc -> resolve
  let welcomed;
  let failed;
  const ready = new Promise((resolve, reject) => {
    welcomed = resolve;
    failed = reject;
  });
  let open = false;
  ws.on('open', () => ws.send(encodeFrame({ type: 'hello', protocolVersion: PROTOCOL_VERSION, clientId, token: '' })));
  ws.on('message', (data) => {
    const at = performance.now();
    const f = decodeFrame(data);
    switch (f.type) {
      case 'welcome':
        open = true;
        welcomed();
        return;
      case 'ack':
        o.onAck?.(f.seq, at);
        return;
      case 'sync': {
        o.onUpdate?.(f.doc, f.update, at);
        const done = syncs.get(f.doc);
        syncs.delete(f.doc);
        done?.(f);
        return;
      }
      case 'update':
        o.onUpdate?.(f.doc, f.update, at);
        return;
      case 'reject':
        o.onReject?.(f);
        return;
      case 'ping':
        ws.send(encodeFrame({ type: 'pong', id: f.id }));
        return;
      default:
    }
  });
  ws.on('error', (err) => {
    if (!open) failed(err);
  });
  ws.on('close', (code, reason) => {
    if (!open) failed(new Error(`closed before welcome (${code} ${reason})`));
  });
  return {
    ws,
    clientId,
    ready,
    sub(doc, stateVector = new Uint8Array([0])) {
      return new Promise((resolve) => {
        syncs.set(doc, resolve);
        ws.send(encodeFrame({ type: 'sub', doc, stateVector }));
      });
    },
    push(doc, seq, update) {
      ws.send(encodeFrame({ type: 'push', doc, seq, update }));
    },
    close() {
      if (ws.readyState === WebSocket.CONNECTING) ws.terminate();
      else ws.close();
    },
  };
}
