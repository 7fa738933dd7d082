// One load generator process of the presence workload (forked by workloads/presence.mjs, several at once so
// that no single event loop bounds the rate): it holds whole rooms, so every sender and all its receivers
// share this process's clock and send-time table. Commands over IPC (advanced serialization):
//   { cmd: 'open', kind: 'cairn' | 'y', target, rooms: number[], roomSize }   → { ready: true }
//   { cmd: 'phase', hz, measureFrom, measureTo, graceMs }                     → the phase's raw figures
//   { cmd: 'close' }                                                           → exits
// measureFrom/measureTo are Date.now() instants shared by every part and the coordinator, which reads the
// server's CPU over the same window. Latency = receive time − send time, both performance.now() here.
import { connectPosePeer } from './pose-peer.mjs';
import { connectAwarenessPeer } from './awareness-peer.mjs';
import { createHeadset } from './headset-pose.mjs';
import { createSamples, sleep } from './stats.mjs';
import { roomUrl } from './rig.mjs';

const RING = 1024; // send times kept per client: 34 s at 30 Hz, far beyond any grace time
const MASK = RING - 1;

/** The cell doc every client of space `room` is in: one cell per space (all users stand within meters). */
export const presenceDoc = (room) => `pb${room}/cell/u09tunq`;

let clients = [];
let globals = []; // each client's index over all parts: its headset's motion
let roomSize = 10;
let kind = 'cairn';
let sendTimes; // Float64Array(clients × RING): the send time of a measured record, else -1
let inWindow = false;
let samples = createSamples(1 << 18);
let delivered = 0;
let downPayload = 0;
let echoes = 0;
let echoPayload = 0;

function onDelivery(sender, receiver, seq, at, bytes) {
  if (sender === undefined) return;
  const t = sendTimes[sender * RING + (seq & MASK)];
  if (!(t >= 0)) return; // unmeasured (warmup), or not from this bench
  if (sender === receiver) {
    echoes++; // y-websocket relays an awareness update to its sender too: bytes on the wire, not a delivery
    echoPayload += bytes;
    return;
  }
  samples.push(at - t);
  delivered++;
  downPayload += bytes;
}

async function open(msg) {
  kind = msg.kind;
  roomSize = msg.roomSize;
  const { target } = msg;
  const byPeer = new Map(); // Cairn clientId or Yjs clientID → local index
  const make = [];
  for (const room of msg.rooms) {
    for (let j = 0; j < roomSize; j++) {
      const local = make.length;
      const global = room * roomSize + j;
      globals.push(global);
      if (kind === 'cairn') {
        const clientId = `pb-${global}-${process.pid}`;
        byPeer.set(clientId, local);
        const urls = target.nativeUrls ?? [target.nativeUrl];
        // Two nodes: half of each room on each, so every record crosses the bus to half its receivers.
        const url = urls[j % urls.length];
        make.push(() => connectPosePeer({ url, clientId, doc: presenceDoc(room), onPeerPose: (peer, seq, at, bytes) => onDelivery(byPeer.get(peer), local, seq, at, bytes) }));
      } else {
        const clientID = 1 + global;
        byPeer.set(clientID, local);
        make.push(() => connectAwarenessPeer({ url: roomUrl(target, `pb${room}`), clientID, onAwareness: (id, clock, at, bytes) => onDelivery(byPeer.get(id), local, clock, at, bytes) }));
      }
    }
  }
  sendTimes = new Float64Array(make.length * RING).fill(-1);
  for (let start = 0; start < make.length; start += 50) {
    const group = make.slice(start, start + 50).map((m) => m());
    await Promise.all(group.map((c) => c.ready));
    clients.push(...group);
  }
  return { ready: true, clients: clients.length };
}

const socketBytes = () => clients.reduce((a, c) => {
  const s = c.ws._socket;
  if (s) {
    a.read += s.bytesRead;
    a.written += s.bytesWritten;
  }
  return a;
}, { read: 0, written: 0 });

async function phase({ hz, measureFrom, measureTo, graceMs }) {
  const period = 1000 / hz;
  const headsets = globals.map((g) => createHeadset(g));
  const seqs = new Uint32Array(clients.length);
  const start = performance.now();
  const next = clients.map((_, i) => start + (i / clients.length) * period);
  samples = createSamples(1 << 18);
  delivered = downPayload = echoes = echoPayload = 0;
  let sends = 0;
  let upPayload = 0;
  let skipped = 0;
  let cpu0 = null;
  let cpu = null;
  let bytes0 = null;
  let bytes = null;
  let done;
  const finished = new Promise((r) => {
    done = r;
  });
  const tick = () => {
    const wall = Date.now();
    if (!inWindow && cpu0 === null && wall >= measureFrom) {
      inWindow = true;
      cpu0 = process.cpuUsage();
      bytes0 = socketBytes();
    }
    if (inWindow && wall >= measureTo) {
      inWindow = false;
      cpu = process.cpuUsage(cpu0);
      const b = socketBytes();
      bytes = { read: b.read - bytes0.read, written: b.written - bytes0.written };
      clearInterval(timer);
      done();
      return;
    }
    const now = performance.now();
    for (let i = 0; i < clients.length; i++) {
      if (next[i] > now) continue;
      if (now - next[i] > 5 * period) {
        skipped++; // this process fell behind: drop the backlog rather than burst
        next[i] = now;
      }
      next[i] += period;
      const pose = headsets[i].at((now - start) / 1000);
      let seq;
      let size;
      if (kind === 'cairn') {
        seq = ++seqs[i];
        size = clients[i].sendPose({ seq, head: pose.head, left: pose.left, right: pose.right });
      } else {
        const sent = clients[i].sendPose(pose);
        seq = sent.clock;
        size = sent.bytes;
      }
      if (inWindow) {
        sendTimes[i * RING + (seq & MASK)] = performance.now();
        sends++;
        upPayload += size;
      } else sendTimes[i * RING + (seq & MASK)] = -1;
    }
  };
  const timer = setInterval(tick, 1);
  await finished;
  const expected = sends * (roomSize - 1);
  const graceEnd = performance.now() + graceMs;
  while (delivered < expected && performance.now() < graceEnd) await sleep(20);
  const s = samples.sorted();
  return {
    clients: clients.length,
    closed: clients.filter((c) => c.ws.readyState !== 1).length, // a server that closed sockets on us
    sends,
    expected,
    delivered,
    skipped,
    upPayload,
    downPayload,
    echoes,
    echoPayload,
    socketBytes: bytes,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    samples: s,
  };
}

process.on('message', async (msg) => {
  try {
    if (msg.cmd === 'open') process.send(await open(msg));
    else if (msg.cmd === 'phase') process.send(await phase(msg));
    else if (msg.cmd === 'close') {
      for (const c of clients) c.close();
      clients = [];
      setTimeout(() => process.exit(0), 200);
    }
  } catch (err) {
    process.send({ error: err instanceof Error ? err.stack : String(err) });
  }
});
