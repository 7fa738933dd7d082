// A presence peer on Cairn's native protocol (/v1/sync, protocol 3): hello, sub to one cell doc, then `pose`
// frames whose record is encodePresenceRecord from @cairn/shared, exactly what the client's SpacePresence
// sends. Every `peer-pose` that arrives is read by hand (frame type, doc, peer, user, then the record's
// seq: the record's first byte is its flags, then seq as a varUint) rather than by decodeFrame, which would
// also copy the record: 135,000 of them a second go through one load generator, and its CPU must stay
// small next to the server's. A `peer-poses` frame (a server turn's records for this socket in one message)
// is read the same way, entry by entry; each delivery is counted with its share of the message's bytes.
import WebSocket from 'ws';
import * as decoding from 'lib0/decoding';
import { DEFAULT_LIMITS, PROTOCOL_VERSION, decodeFrame, encodeFrame, encodePresenceRecord } from '@cairn/shared';

const PEER_POSE = 14;
const PEER_POSES = 15;

/** Reads one entry's peer and seq (after its doc or doc index) and hands it on. */
function readEntry(dec, o, at, bytes) {
  const peer = decoding.readVarString(dec);
  decoding.readVarString(dec); // user
  const len = decoding.readVarUint(dec); // record length
  const end = dec.pos + len;
  decoding.readUint8(dec); // record flags
  o.onPeerPose(peer, decoding.readVarUint(dec), at, bytes);
  dec.pos = end;
}
const LIMITS = { maxPresenceAppStateBytes: DEFAULT_LIMITS.maxPresenceAppStateBytes, maxPresenceDepth: DEFAULT_LIMITS.maxPresenceDepth };

/**
 * @param {{ url: string, clientId: string, doc: string,
 *           onPeerPose: (peer: string, seq: number, at: number, bytes: number) => void }} o
 */
export function connectPosePeer(o) {
  const ws = new WebSocket(o.url, { perMessageDeflate: false });
  let subscribed;
  let failed;
  const ready = new Promise((resolve, reject) => {
    subscribed = resolve;
    failed = reject;
  });
  let isReady = false;
  let welcome = null;
  ws.on('open', () => ws.send(encodeFrame({ type: 'hello', protocolVersion: PROTOCOL_VERSION, clientId: o.clientId, token: '' })));
  ws.on('message', (data) => {
    const at = performance.now();
    if (data[0] === PEER_POSE) {
      const dec = decoding.createDecoder(data);
      decoding.readVarUint(dec); // type
      decoding.readVarString(dec); // doc
      readEntry(dec, o, at, data.length);
      return;
    }
    if (data[0] === PEER_POSES) {
      const dec = decoding.createDecoder(data);
      decoding.readVarUint(dec); // type
      const docs = decoding.readVarUint(dec);
      for (let i = 0; i < docs; i++) decoding.readVarString(dec);
      const count = decoding.readVarUint(dec);
      for (let i = 0; i < count; i++) {
        decoding.readVarUint(dec); // doc index
        readEntry(dec, o, at, data.length / count);
      }
      return;
    }
    const f = decodeFrame(data);
    switch (f.type) {
      case 'welcome':
        welcome = f;
        if (f.protocolVersion < 3) failed(new Error(`server speaks protocol ${f.protocolVersion}: no pose frames`));
        ws.send(encodeFrame({ type: 'sub', doc: o.doc, stateVector: new Uint8Array([0]) }));
        return;
      case 'sync':
        if (!isReady) {
          isReady = true;
          subscribed(welcome);
        }
        return;
      case 'reject':
        if (!isReady) failed(new Error(`rejected: ${f.code} ${f.message}`));
        else o.onReject?.(f);
        return;
      case 'ping':
        ws.send(encodeFrame({ type: 'pong', id: f.id }));
        return;
      default:
    }
  });
  ws.on('error', (err) => {
    if (!isReady) failed(err);
  });
  ws.on('close', (code, reason) => {
    if (!isReady) failed(new Error(`closed before ready (${code} ${reason})`));
  });
  return {
    ws,
    ready,
    /** Sends one record { seq, head, left, right }; returns the frame's size in bytes. */
    sendPose(record) {
      const frame = encodeFrame({ type: 'pose', doc: o.doc, record: encodePresenceRecord(record, LIMITS) });
      if (ws.readyState === WebSocket.OPEN) ws.send(frame);
      return frame.length;
    },
    close() {
      if (ws.readyState === WebSocket.CONNECTING) ws.terminate();
      else ws.close();
    },
  };
}
