// A presence peer on the y-websocket protocol: the sync handshake (an empty doc), then awareness as
// y-websocket's WebsocketProvider sends it: a y-protocols Awareness whose local state is set with
// setLocalStateField('pose', { head, left, right }) each frame, and after every change the message
// [messageAwareness][encodeAwarenessUpdate(awareness, [own clientID])], as the provider's 'update' listener
// sends it. An awareness entry carries (clientID, clock, state JSON) and the clock grows with every
// setLocalState, so a receiver finds the send time from (clientID, clock) with no field added to the state.
// Received awareness messages are read only that far (the entries' clientID and clock; each state's JSON is
// skipped, never parsed or applied): the load generator's CPU must stay small next to the server's.
import WebSocket from 'ws';
import * as Y from 'yjs';
import * as encoding from 'lib0/encoding';
import * as decoding from 'lib0/decoding';
import { Awareness, encodeAwarenessUpdate } from 'y-protocols/awareness';

const MSG_SYNC = 0;
const MSG_AWARENESS = 1;
const STEP1 = 0;
const STEP2 = 1;
const EMPTY_SV = new Uint8Array([0]);
const EMPTY_UPDATE = new Uint8Array([0, 0]);

function syncMessage(step, payload) {
  const enc = encoding.createEncoder();
  encoding.writeVarUint(enc, MSG_SYNC);
  encoding.writeVarUint(enc, step);
  encoding.writeVarUint8Array(enc, payload);
  return encoding.toUint8Array(enc);
}

/**
 * @param {{ url: string, clientID: number,
 *           onAwareness: (clientID: number, clock: number, at: number, bytes: number) => void }} o
 */
export function connectAwarenessPeer(o) {
  const doc = new Y.Doc();
  doc.clientID = o.clientID;
  const awareness = new Awareness(doc);
  const ws = new WebSocket(o.url, { perMessageDeflate: false });
  ws.binaryType = 'nodebuffer';
  let synced;
  let failed;
  const ready = new Promise((resolve, reject) => {
    synced = resolve;
    failed = reject;
  });
  let isReady = false;
  ws.on('open', () => ws.send(syncMessage(STEP1, EMPTY_SV)));
  ws.on('message', (data) => {
    const at = performance.now();
    const dec = decoding.createDecoder(data);
    const type = decoding.readVarUint(dec);
    if (type === MSG_AWARENESS) {
      decoding.readVarUint(dec); // length of the awareness update
      const n = decoding.readVarUint(dec);
      for (let i = 0; i < n; i++) {
        const clientID = decoding.readVarUint(dec);
        const clock = decoding.readVarUint(dec);
        const len = decoding.readVarUint(dec);
        dec.pos += len; // the state's JSON, unread
        o.onAwareness(clientID, clock, at, n === 1 ? data.length : 0);
      }
      return;
    }
    if (type !== MSG_SYNC) return;
    const step = decoding.readVarUint(dec);
    if (step === STEP1) ws.send(syncMessage(STEP2, EMPTY_UPDATE));
    else if (!isReady) {
      isReady = true;
      synced();
    }
  });
  ws.on('error', (err) => {
    if (!isReady) failed(err);
  });
  ws.on('close', (code) => {
    if (!isReady) failed(new Error(`closed before sync (${code})`));
  });
  return {
    ws,
    ready,
    awareness,
    /** Sets the local pose as an app would and sends the awareness update; returns { clock, bytes }. */
    sendPose(pose) {
      awareness.setLocalStateField('pose', pose);
      const enc = encoding.createEncoder();
      encoding.writeVarUint(enc, MSG_AWARENESS);
      encoding.writeVarUint8Array(enc, encodeAwarenessUpdate(awareness, [doc.clientID]));
      const msg = encoding.toUint8Array(enc);
      if (ws.readyState === WebSocket.OPEN) ws.send(msg);
      return { clock: awareness.meta.get(doc.clientID).clock, bytes: msg.length };
    },
    close() {
      awareness.destroy();
      doc.destroy();
      if (ws.readyState === WebSocket.CONNECTING) ws.terminate();
      else ws.close();
    },
  };
}
