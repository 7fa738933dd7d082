// A minimal y-websocket peer for the load generator: the y-protocols sync handshake and update messages,
// nothing else (no awareness: the bench measures document traffic). It speaks two framings:
//   'y'      stock y-websocket (the reference server, and Cairn on /y/:room): [type][body]
//   'hocus'  Hocuspocus: every message starts with the document name, and the first one is an auth
//            message (an empty token is accepted by a server with no onAuthenticate hook)
// A client's doc answers the server's step 1; received updates are applied to it only with `apply` (the
// fan-out receivers only timestamp them, so the load generator's own CPU stays small next to the servers').
import WebSocket from 'ws';
import * as Y from 'yjs';
import * as encoding from 'lib0/encoding';
import * as decoding from 'lib0/decoding';

const MSG_SYNC = 0;
const MSG_AUTH = 2;
const MSG_SYNC_REPLY = 4; // Hocuspocus: a sync message that does not ask for another step 1
const STEP1 = 0;
const STEP2 = 1;
const UPDATE = 2;
const EMPTY_SV = new Uint8Array([0]);
const EMPTY_UPDATE = new Uint8Array([0, 0]);

/**
 * `onUpdate` gets the sync sub-type too (1 = sync step 2, 2 = update): a resync's step 2 is not a delivery.
 * `onClose` hears every close, with the server's close code and reason (the bench's stall hunting).
 * @param {{ url: string, room: string, flavor: 'y' | 'hocus', doc?: Y.Doc, apply?: boolean, onUpdate?: (bytes: Uint8Array, at: number, sub: number) => void, onClose?: (code: number, reason: string) => void }} o
 */
export function connectY(o) {
  const { flavor, room, doc } = o;
  const ws = new WebSocket(o.url, { perMessageDeflate: false });
  ws.binaryType = 'nodebuffer';
  let synced;
  let failed;
  const ready = new Promise((resolve, reject) => {
    synced = resolve;
    failed = reject;
  });
  let isSynced = false;
  let closed = false;

  function frame(type, write) {
    const enc = encoding.createEncoder();
    if (flavor === 'hocus') encoding.writeVarString(enc, room);
    encoding.writeVarUint(enc, type);
    write(enc);
    return encoding.toUint8Array(enc);
  }

  const send = (bytes) => {
    if (ws.readyState === WebSocket.OPEN) ws.send(bytes);
  };

  ws.on('open', () => {
    if (flavor === 'hocus') send(frame(MSG_AUTH, (enc) => { encoding.writeVarUint(enc, 0); encoding.writeVarString(enc, ''); }));
    const sv = doc ? Y.encodeStateVector(doc) : EMPTY_SV;
    send(frame(MSG_SYNC, (enc) => { encoding.writeVarUint(enc, STEP1); encoding.writeVarUint8Array(enc, sv); }));
  });

  ws.on('message', (data) => {
    const at = performance.now();
    const dec = decoding.createDecoder(data);
    if (flavor === 'hocus') decoding.readVarString(dec);
    const type = decoding.readVarUint(dec);
    if (type !== MSG_SYNC && type !== MSG_SYNC_REPLY) return; // awareness, auth, sync status: not measured
    const sub = decoding.readVarUint(dec);
    const payload = decoding.readVarUint8Array(dec);
    if (sub === STEP1) {
      const reply = doc ? Y.encodeStateAsUpdate(doc, payload) : EMPTY_UPDATE;
      send(frame(MSG_SYNC, (enc) => { encoding.writeVarUint(enc, STEP2); encoding.writeVarUint8Array(enc, reply); }));
      return;
    }
    if (o.apply && doc) Y.applyUpdate(doc, payload, 'remote');
    o.onUpdate?.(payload, at, sub);
    if (sub === STEP2 && !isSynced) {
      isSynced = true;
      synced();
    }
  });
  ws.on('error', (err) => {
    if (!isSynced) failed(err);
  });
  ws.on('close', (code, reason) => {
    closed = true;
    o.onClose?.(code, reason.toString());
    if (!isSynced) failed(new Error(`closed before sync (${code})`));
  });

  return {
    ws,
    ready,
    get closed() {
      return closed;
    },
    sendUpdate(update) {
      send(frame(MSG_SYNC, (enc) => { encoding.writeVarUint(enc, UPDATE); encoding.writeVarUint8Array(enc, update); }));
    },
    close() {
      if (ws.readyState === WebSocket.CONNECTING) ws.terminate();
      else ws.close();
    },
  };
}
